"""The offline engine's text rules, one behaviour at a time."""

from __future__ import annotations

from datetime import date

import pytest

from agents.stakeholders import (
    Cue,
    Directory,
    Mention,
    Person,
    arrival_cues,
    buying_role_of,
    current_stance_cues,
    departure_cues,
    directly_engaged,
    is_title,
    relationship_strength,
    reports_to_cues,
    role_cues,
    role_from_title,
    same_job,
    same_title,
    stance_cues,
    subject_of,
    title_at,
    title_change_cues,
    titled_person_cues,
)
from plans.vocabulary import BuyingRole, StakeholderStatus, Stance, Strength


@pytest.mark.parametrize(
    "sentence",
    [
        "Maria Lopez has left the company.",
        "Maria left Acme last month.",
        "Maria resigned in February.",
        "Maria is no longer with Acme.",
        "Friday was Maria's last day.",
        "Maria left to join a startup.",
        "She left for Stripe in January.",
        "In May she left the company.",
        "Maria leaves us at the end of October.",
        "Maria will leave the company in May.",
        "Maria is going to leave us after the audit.",
        "As most of you know, Maria left us at the end of June.",
        "Maria left us in March.",
        "Maria left to go travelling.",
        "- Maria gone. TODO take her off the renewal.",
        "Maria Lopez is not more with Acme.",
        "Oh - Maria's finished up, by the way.",
        "Maria has finished up at Acme.",
    ],
)
def test_departure_is_found_in_a_note_saying_she_left(sentence: str) -> None:
    assert departure_cues(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "Maria left a voicemail for us.",
        "Maria has left comments on the draft.",
        "Maria might leave after the reorg.",
        "There are rumors that Maria is leaving.",
        "Maria is not leaving, despite the rumors.",
        "Maria retired the legacy system last year.",
        "Maria left the meeting early.",
        "Maria leaves for Tokyo on Monday.",
        "The budget cut leaves us no room for the pilot.",
        "Maria will leave the decision to her CFO.",
        "Maria left us at the end of the call to join another meeting.",
        "Maria left to go to the board meeting.",
        "Since the summer Maria has gone from asking for a sandbox to backing the rival.",
        "Maria has gone quiet since the pricing call.",
        "We've finished up the pilot with Maria.",
        "Maria has finished up the report.",
        "Maria said the workshop's finished up.",
    ],
)
def test_leaving_something_else_or_maybe_leaving_is_not_a_departure(sentence: str) -> None:
    assert departure_cues(sentence) == []



@pytest.mark.parametrize(
    ("sentence", "name", "title"),
    [
        ("Priya Nair joined as the new VP of Data Platform in February.", "Priya Nair", "VP of Data Platform"),
        ("They hired Omar Haddad as CFO last month.", "Omar Haddad", "CFO"),
        ("Meet the new CISO, Dana Kim, who starts Monday.", "Dana Kim", "CISO"),
        (
            "Priya Nair, formerly at Stripe, joined Acme as Head of Data and Analytics.",
            "Priya Nair",
            "Head of Data and Analytics",
        ),
        ("In March Priya Nair joined as head of procurement.", "Priya Nair", "Head of Procurement"),
        ("Dana Kim, the new Director of IT, ran the demo.", "Dana Kim", "Director of IT"),
        ("Margaret Solis (goes by Meg) started September 1 as managing partner.", "Margaret Solis", "Managing Partner"),
        ("Second: Priya Nandakumar joins us as Chief Digital Officer in January.", "Priya Nandakumar",
         "Chief Digital Officer"),
        ("Priya Nandakumar will join as CDO in January.", "Priya Nandakumar", "CDO"),
        ("Jonas Weber starts in March as Head of IT.", "Jonas Weber", "Head of IT"),
    ],
)
def test_new_hire_is_found_with_the_title_from_the_sentence(sentence: str, name: str, title: str) -> None:
    cues = arrival_cues(sentence)
    assert [(c.name, c.value) for c in cues] == [(name, title)]


@pytest.mark.parametrize(
    "sentence", ["New hire Dana Kim will run the pilot.", "Dana Kim joined 1 July.", "Dana Kim started on 3 March."]
)
def test_new_hire_without_a_title_is_still_a_new_person(sentence: str) -> None:
    cues = arrival_cues(sentence)
    assert [(c.name, c.value) for c in cues] == [("Dana Kim", None)]


def test_speaker_who_says_they_just_joined_is_an_arrival() -> None:
    (cue,) = arrival_cues("Hi all, I just joined as head of procurement.")
    assert cue.first_person and cue.value == "Head of Procurement"


@pytest.mark.parametrize(
    "sentence",
    [
        "Sam Lee joined the call late.",
        "Our new SE, Alex Kim, joined the call.",
        "We might hire Dana Kim as CFO.",
        "I just joined as your account manager.",
        "Dana Kim started the meeting on 3 March.",
        "Phase Two starts in January.",
        "Dana Kim starts the pilot on Monday.",
    ],
)
def test_joining_a_call_or_our_side_is_not_an_arrival(sentence: str) -> None:
    assert arrival_cues(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("Raj was promoted to CTO in March.", "CTO"),
        ("Raj is now the Chief Technology Officer.", "Chief Technology Officer"),
        ("Raj took over as Head of Platform after the reorg.", "Head of Platform"),
        ("Raj has been named SVP Engineering, effective April.", "SVP Engineering"),
        ("Raj, who since the spring is our Head of Platform, signs off.", "Head of Platform"),
        ("Raj runs the lab; from March he is Chief Scientist.", "Chief Scientist"),
        ('His job title on the intranet is "Director of Research, Europe".', "Director of Research, Europe"),
        ("Raj's email footer now reads **Head of Data Platforms**.", "Head of Data Platforms"),
        ('Raj, now officially "Acting Chief Technology Officer", chairs it.', "Acting Chief Technology Officer"),
    ],
)
def test_promotion_gives_the_new_title(sentence: str, title: str) -> None:
    assert [c.value for c in title_change_cues(sentence)] == [title]


def test_promotion_that_is_only_hoped_for_is_ignored() -> None:
    assert title_change_cues("Raj hopes to be promoted to CTO.") == []
    assert title_change_cues("Raj is now leading the migration.") == []
    assert title_change_cues("She said the plan is Ambitious.") == []
    assert title_change_cues("The title of the deck is Q3 Plan.") == []


def test_title_stops_where_the_sentence_moves_on() -> None:
    assert title_at("VP of Data in March", 0) == "VP of Data"
    assert title_at("Director of IT, who runs", 0) == "Director of IT"
    assert title_at("head of procurement since May", 0) == "Head of Procurement"
    assert title_at("the migration next week", 0) is None
    assert title_at("reads **VP of Data** since", 0) == "VP of Data"  # words that lead into a title are not it
    assert title_at("is not a Director", 0) is None


def test_reporting_line_names_the_manager() -> None:
    assert [c.value for c in reports_to_cues("Raj now reports to Jennifer Wu.")] == ["Jennifer Wu"]


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Maria is our champion.", Stance.champion),
        ("Maria sells the platform internally when we are not in the room.", Stance.champion),
        ("Maria pushed hard for the renewal with her CFO.", Stance.champion),
        ("Maria gave us a heads-up on the budget freeze.", Stance.coach),
        ("Maria tipped us off about the competing bid.", Stance.coach),
        ("Tom is skeptical of the migration.", Stance.detractor),
        ("Tom prefers Snowflake.", Stance.detractor),
        ("Tom is a champion of Snowflake.", Stance.detractor),
        ("Tom pushed back on the pricing.", Stance.detractor),
        ("Lee is supportive of the expansion.", Stance.supporter),
        ("Lee is happy with the platform.", Stance.supporter),
        ("Lee is on the fence about the renewal.", Stance.neutral),
        ("Lee likes the tool but won't walk into the steering group and argue for it.", Stance.supporter),
        ("If it were up to Tom they'd already be on Snowflake.", Stance.detractor),
        ("Tom would happily switch to Snowflake tomorrow.", Stance.detractor),
        ("Maria is good with the revised scope.", Stance.supporter),
    ],
)
def test_stance_from_the_words_around_the_person(sentence: str, stance: Stance) -> None:
    values = {c.value for c in stance_cues(sentence, competitors=["Snowflake"])}
    assert values == {stance}


@pytest.mark.parametrize(
    "sentence",
    [
        "Maria is not a champion yet.",
        "Maria used to be skeptical.",
        "Maria is no longer skeptical.",
        "We hope Maria will champion this.",
    ],
)
def test_negated_or_past_stance_is_ignored(sentence: str) -> None:
    assert stance_cues(sentence) == []


def test_advocacy_promised_on_a_condition_has_not_happened() -> None:
    cues = stance_cues("Maria wants a Spanish manual before she recommends it to her peers.")
    assert Stance.champion not in {c.value for c in cues}


def test_praise_of_a_competitor_is_no_support_for_us() -> None:
    assert stance_cues("Tom is very keen on Snowflake and likes their connectors.", competitors=["Snowflake"]) == []


def test_cue_belongs_to_the_nearest_person_before_it() -> None:
    directory = Directory([Person("c1", "Maria Lopez"), Person("c2", "Tom Berg")])
    sentence = "Maria Lopez introduced Tom Berg, who is skeptical."
    (cue,) = stance_cues(sentence)
    assert subject_of(sentence, cue, directory.find(sentence)) == "c2"


def test_cue_after_we_is_not_about_the_person_before_it() -> None:
    directory = Directory([Person("c1", "Maria Lopez")])
    sentence = "Maria Lopez asked whether we are supportive of the rollout."
    cue = Cue(sentence.index("supportive"), sentence.index("supportive") + 10, Stance.supporter)
    assert subject_of(sentence, cue, directory.find(sentence)) is None


def test_unique_first_name_is_a_mention_but_a_shared_one_is_not() -> None:
    directory = Directory([Person("c1", "Maria Lopez"), Person("c2", "Tom Berg"), Person("c3", "Tom Reyes")])
    assert [m.key for m in directory.find("Maria and Tom met.")] == ["c1"]
    assert directory.resolve("Bob Berg") is None
    assert directory.resolve("Thomas Berg").key == "c2"


def test_a_clipped_first_name_is_a_mention_unless_two_people_share_it() -> None:
    directory = Directory(
        [Person("c1", "Venkataraman Iyer"), Person("c2", "Christopher Lee"), Person("c3", "Christina Ng")]
    )
    assert [m.key for m in directory.find("Venkat and Chris met; Christopher Lee chaired.")] == ["c1", "c2"]
    assert directory.resolve("Venkat").key == "c1"
    assert directory.resolve("Chris") is None


@pytest.mark.parametrize(
    ("days_ago", "strength"),
    [
        # DESIGN.md: strong = 3+ touches in the 60 days before as_of
        ([1, 10, 20], Strength.strong),
        ([1, 10, 61], Strength.moderate),  # the third is a day outside the window
        ([5, 80], Strength.moderate),  # last within 90 days, more than one in all
        ([5], Strength.weak),  # a single touch ever
        ([100, 120, 170], Strength.weak),  # last touch 90–180 days ago
        ([181, 200], Strength.none),  # nothing in 180 days
        ([3, 3, 3], Strength.weak),  # one interaction logged three times is one touch
        ([], Strength.none),
        ([-5, -10, -20, -30], Strength.none),  # after as_of: not yet happened
    ],
)
def test_relationship_strength_from_recency_and_frequency(days_ago: list[int], strength: Strength) -> None:
    as_of = date(2026, 3, 31)
    touches = [date.fromordinal(as_of.toordinal() - d) for d in days_ago]
    assert relationship_strength(touches, as_of) is strength


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("Economic Decision Maker", BuyingRole.economic_buyer),
        ("Technical Buyer", BuyingRole.technical_evaluator),
        ("Business User", BuyingRole.end_user),
        ("Procurement", BuyingRole.procurement),
        ("Other", None),
        (None, None),
    ],
)
def test_salesforce_roles_map_to_the_vocabulary(role: str | None, expected: BuyingRole | None) -> None:
    assert buying_role_of(role) == expected


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Farid owns the security budget, so any deal goes through him.", BuyingRole.economic_buyer),
        ("She'll sign off on the purchase for Acute.", BuyingRole.economic_buyer),
        ("Bob runs the technical evaluation.", BuyingRole.technical_evaluator),
    ],
)
def test_buying_role_said_in_words(sentence: str, role: BuyingRole) -> None:
    assert [c.value for c in role_cues(sentence)] == [role]


def test_a_budget_someone_only_needs_is_not_theirs() -> None:
    assert role_cues("She needs Greg's sign-off before anything moves.") == []


@pytest.mark.parametrize(
    "title",
    [
        "Strategic Sourcing Manager", "Director, IT Procurement", "Category Manager, IT & Digital",
        "Contracts Administrator", "Supplier Relationship Manager", "Jefe de Compras de Tecnología",
        "Senior Einkäufer IT", "Leiter Einkauf", "Responsable Achats IT", "Acheteuse informatique",
        "Responsabile Acquisti", "Inkoper ICT",
    ],
)
def test_procurement_titles_imply_the_procurement_role(title: str) -> None:
    assert role_from_title(title) is BuyingRole.procurement


@pytest.mark.parametrize(
    "title", ["Chief Financial Officer", "Head of Supply Chain", "Commercial Director", "Contract Engineer", "CTO"]
)
def test_other_titles_imply_no_role(title: str) -> None:
    assert role_from_title(title) is None


def test_equivalent_titles_are_the_same_job() -> None:
    assert same_title("VP of Infrastructure and Operations", "VP Infrastructure & Operations")
    assert same_title("CTO", "Chief Technology Officer")
    assert not same_title("VP Engineering", "Director of Engineering")


def test_a_customer_on_a_call_may_say_our_new_ciso() -> None:
    sentence = "Farid Haddad joined as our Chief Information Security Officer in August."
    assert arrival_cues(sentence) == []  # in a note, "our" is our side
    (cue,) = arrival_cues(sentence, customer_voice=True)
    assert (cue.name, cue.value) == ("Farid Haddad", "Chief Information Security Officer")


def test_names_in_markdown_emphasis_are_read() -> None:
    (cue,) = arrival_cues("His replacement: **Anita Desai**, new VP Infrastructure & Operations for Acute Care.")
    assert (cue.name, cue.value) == ("Anita Desai", "VP Infrastructure & Operations")


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Maya tells us what's going on in Brokerage.", Stance.coach),
        ("Not for us, not against us.", Stance.neutral),
        ("Honestly I don't have strong feelings about it.", Stance.neutral),
        ("Thomas is lukewarm on the SIEM.", Stance.neutral),
        ("I'm not in anybody's pocket now, I'll score it straight.", Stance.neutral),
        ("She will judge both bids on their merits.", Stance.neutral),
        ("Tom Reyes is still supportive of Edge.", Stance.supporter),
        ("I'll back you on value.", Stance.supporter),
        ("Jordan's team are happy users.", Stance.supporter),
    ],
)
def test_more_ways_of_saying_where_someone_stands(sentence: str, stance: Stance) -> None:
    assert {c.value for c in stance_cues(sentence)} == {stance}


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("The berth planning demo was honestly the best we have seen.", Stance.supporter),
        ("Honestly, the figures you sent are exactly what we need here.", Stance.supporter),
        ("We had Snowflake in last month, and the team leaders found yours a lot easier to get round.",
         Stance.supporter),
        ("Very positive, wants the advanced dashboard training.", Stance.supporter),
        ("Tomas speaks very well of us.", Stance.supporter),
        ("I won't go to war with Richard for you.", Stance.supporter),
        ("I'll build the numbers, I'm not your salesman.", Stance.supporter),
        ("I'm not going to go round the partners lobbying for you, that's not my job.", Stance.supporter),
        ("Frankly speaking, I cannot be your salesman inside the group.", Stance.supporter),
        ("Honestly I am not the right person to push Kumamoto for you.", Stance.supporter),
        ("I'll be factual. Don't expect me to lobby Nadia on price, though.", Stance.supporter),
        ("Javier openly leaning Snowflake.", Stance.detractor),
        ("He likes the Snowflake connector.", Stance.detractor),
        ("If I had to choose today, I choose Snowflake.", Stance.detractor),
        ("I'd rather invest in our own tooling than pay a vendor forever.", Stance.detractor),
        ("Maarten very positive on the Antwerp gate results, asked good questions.", Stance.supporter),
        ("Honza confirms new thresholds, false alarms down, thanks team.", Stance.supporter),
        ("Happy to be a reference internally if Ireland goes ahead.", Stance.supporter),
        ("Tom called to say thanks for the quick fix.", Stance.supporter),
        ("He said the pilot went really well and he'd recommend us to his peers.", Stance.supporter),
        ("Since March, yeah. I'd not go back to the spreadsheet, put it that way.", Stance.supporter),
        ("Honestly the planners couldn't live without it now.", Stance.supporter),
        ("We've finished the scoring and we're going with yourselves for the supplier portal.", Stance.supporter),
        ("Declan ran a proper bake-off in March and scored us ahead on both.", Stance.supporter),
        ("Honestly, I'm chuffed with the transcripts.", Stance.supporter),
        ("For what it's worth, from where I sit it's earned its keep.", Stance.supporter),
        ("So I've come round. Fully.", Stance.supporter),
        ("And whatever happens with Verify, I'd hate to lose it on the counters.", Stance.supporter),
        ("I wouldn't want to run the team without it.", Stance.supporter),
    ],
)
def test_appraisal_refusal_and_preference_in_the_words_people_use(sentence: str, stance: Stance) -> None:
    assert {c.value for c in stance_cues(sentence, competitors=["Snowflake"])} == {stance}


@pytest.mark.parametrize(
    "sentence",
    [
        "Snowflake's demo was the best we have seen.",
        "Thanks for joining, that's helpful.",
        "Great call, thanks everyone.",
        "I'll get the store list to you, no bother.",
        "Snowflake is the better product, says Tom.",
        "Thanks for the update, talk Monday.",
        "Dana will go with us to the site visit on Friday.",
        "He can't do without SSO before the audit.",
        "Snowflake scored ahead of the others on price.",
        "I'd hate to lose the weekend to this.",
        "I don't want to lose budget on this.",
        "Can you come round to the office at 3?",
    ],
)
def test_courtesy_and_praise_of_a_competitor_are_no_support_for_us(sentence: str) -> None:
    assert Stance.supporter not in {c.value for c in stance_cues(sentence, competitors=["Snowflake"])}


def test_wanting_to_see_a_competitor_is_no_preference_for_it() -> None:
    cues = stance_cues("She'd like to see Snowflake's pricing first.", competitors=["Snowflake"])
    assert Stance.detractor not in {c.value for c in cues}


def test_ours_named_as_the_better_product_is_support() -> None:
    cues = stance_cues("Becky still thinks Rota was the better product for the southern stores.", ours=["Rota"])
    assert {c.value for c in cues} == {Stance.supporter}


def test_happy_to_help_is_not_a_stance() -> None:
    assert stance_cues("Lee is happy to help with the pilot.") == []


CUSTOMER = ("Halden Retail", "Halden")


@pytest.mark.parametrize(
    ("sentence", "name", "title"),
    [
        ("Carsten Wilke, the new CTO, wants a review.", "Carsten Wilke", "CTO"),
        ("Priya's replacement is Jonas Weber, Director of IT (Logistics), started Monday.", "Jonas Weber",
         "Director of IT"),
        ("Halden hired a VP Data, Nadia Kowalski, who will own the decision.", "Nadia Kowalski", "VP Data"),
        ("Say hi to Ben Carter — he's Halden Retail's new COO.", "Ben Carter", "COO"),
        ("Met Olivia Brandt, the new Head of Digital at Halden Retail.", "Olivia Brandt", "Head of Digital"),
        ("We finally met Halden's Security Architect Leo Fontaine, who joined last month.", "Leo Fontaine",
         "Security Architect"),
    ],
)
def test_a_new_person_introduced_with_a_title_in_any_order(sentence: str, name: str, title: str) -> None:
    (cue,) = titled_person_cues(sentence, customer=CUSTOMER)
    assert (cue.name, cue.value, cue.weight) == (name, title, 2)


@pytest.mark.parametrize(
    "sentence",
    [
        "Our new SE, Chloe Martin, ran the demo.",  # our colleague, in our notes
        "We met Deloitte's engagement partner, Sarah Jones.",  # another organisation's
        "Sarah Jones, the new engagement partner at Deloitte, called.",
        "Thanks, Dana Whitfield. Head of Claims will follow up.",
        "Customer Operations, the new team under the COO, starts in May.",  # a team, not a person
    ],
)
def test_our_people_other_organisations_and_teams_are_not_customer_people(sentence: str) -> None:
    not_names = frozenset({"customer", "operations"})
    assert titled_person_cues(sentence, customer=CUSTOMER, not_names=not_names) == []


def test_a_customer_speaker_s_our_is_the_customer() -> None:
    (cue,) = titled_person_cues("Our new dispatch supervisor, Tuan Nguyen, starts Monday.", customer_voice=True)
    assert (cue.name, cue.value) == ("Tuan Nguyen", "Dispatch Supervisor")


@pytest.mark.parametrize(
    ("sentence", "role"),
    [
        ("Dana owns the business case for Insight in Retail.", BuyingRole.business_owner),
        ("Elena approves every commitment above $500k in Finance.", BuyingRole.economic_buyer),
        ("Since June, final budget approval for the rollout sits with Elena.", BuyingRole.economic_buyer),
        ("Henrik is the decision maker.", BuyingRole.economic_buyer),
        ("I'll be running the architecture evaluation.", BuyingRole.technical_evaluator),
        ("Zhang sits on the evaluation panel.", BuyingRole.technical_evaluator),
        ("I'm sponsoring this at the exec level.", BuyingRole.executive_sponsor),
        ("Tomás runs the tender for Group.", BuyingRole.procurement),
        ("I'm writing the business case for the full rollout myself.", BuyingRole.business_owner),
        ("Liz owns the renewal busines case - she writes the board paper.", BuyingRole.business_owner),
    ],
)
def test_a_buying_role_said_in_words(sentence: str, role: BuyingRole) -> None:
    assert [c.value for c in role_cues(sentence)][:1] == [role]


@pytest.mark.parametrize(
    "sentence",
    [
        "Priya reports to the decision maker.",  # the label is someone else's
        "We met the exec sponsor last week.",
        "Tom is not the economic buyer.",
        "She said the budget is tight this year.",
        "We are writing the business case for them.",  # our team's work, not their role
    ],
)
def test_a_role_word_that_is_not_about_the_sentence_s_person_is_no_role(sentence: str) -> None:
    assert role_cues(sentence) == []


def test_praise_counts_when_it_is_about_what_we_sell() -> None:
    ours = ("Field Mobile", "Insight Analytics")
    assert [c.value for c in stance_cues("Dana loves Field Mobile.", ours=ours)] == [Stance.supporter]
    assert [c.value for c in stance_cues("Dana is really happy with Insight Analytics.", ours=ours)] == [
        Stance.supporter
    ]
    assert stance_cues("Dana loves her new boat.", ours=ours) == []


@pytest.mark.parametrize(
    ("sentence", "title", "first_person"),
    [
        ("Quick update — I've been named Chief Executive Officer as of this month.", "Chief Executive Officer", True),
        ("My title is now Chief Information Security and Risk Officer.", "Chief Information Security and Risk Officer",
         True),
        ("Marcus Lee, formerly CFO, has been appointed Vice Chair of the board.", "Vice Chair", False),
        ("Wei Zhang — now Senior Manager, Logistics Systems per the new org chart.",
         "Senior Manager, Logistics Systems", False),
        ("Correction: she's still Finance Director at Halden Finance.", "Finance Director", False),
    ],
)
def test_a_new_title_said_many_ways(sentence: str, title: str, first_person: bool) -> None:
    (cue,) = title_change_cues(sentence)
    assert (cue.value, cue.first_person) == (title, first_person)


def test_an_email_signature_gives_its_person_s_title() -> None:
    (cue,) = title_change_cues("Elena Petrova | Group Finance Director | Halden Group")
    assert (cue.name, cue.value) == ("Elena Petrova", "Group Finance Director")


def test_someone_s_deputy_is_not_them() -> None:
    found = [Mention("p1", 0, 5)]
    sentence = "Priya's deputy was promoted to Director of IT."
    (cue,) = title_change_cues(sentence)
    assert subject_of(sentence, cue, found) is None


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("She tipped us that Marcus decides in the last week of the quarter.", Stance.coach),
        ("I'm not a presenter, you do the selling.", Stance.supporter),  # will not sell for us
        ("She's been positive throughout; no sign she's selling it internally.", Stance.supporter),
    ],
)
def test_more_ways_to_say_a_stance(sentence: str, stance: Stance) -> None:
    assert [c.value for c in stance_cues(sentence)][:1] == [stance]


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Quick framing from me: the pilot numbers were good, and I'd like phase one live in Q2.", [Stance.supporter]),
        ("Your support team has been really helpful.", [Stance.supporter]),
        ("Ms. Takahashi found the OEE dashboard very useful.", [Stance.supporter]),
        ("He wrote that the system is very stable.", [Stance.supporter]),
        ("The pilot results weren't convincing.", []),  # negated
        ("The weather in Leeds was good.", []),  # not what we sold
    ],
)
def test_a_good_word_said_of_what_we_sold_is_a_supporter(sentence: str, stance: list[Stance]) -> None:
    assert [c.value for c in stance_cues(sentence)] == stance


def _engaged_alone(sentence: str, name: str) -> bool:
    """Whether the sentence shows the named person, the only one named, engaging with us."""
    start = sentence.index(name)
    return directly_engaged(sentence, Mention("p", start, start + len(name)))


def test_an_automatic_reply_is_not_engagement() -> None:


    sentence = "Auto-reply from Tomás: 'I am out of the office until 3 July.'"
    assert not directly_engaged(sentence, Mention("t", 15, 20))


CUSTOMER_NAMES = ("Halden Group", "Halden", "Halden Retail")


@pytest.mark.parametrize(
    "sentence",
    [
        "Dana joined Stripe as CFO in May.",
        "Priya took a new role at Deloitte.",
        "Tomás is now at Maersk.",
        "His email bounces now.",
        "She was made redundant in the restructuring.",
    ],
)
def test_leaving_for_another_organisation_is_a_departure(sentence: str) -> None:
    assert [c.value for c in departure_cues(sentence, CUSTOMER_NAMES)] == [StakeholderStatus.departed]


@pytest.mark.parametrize(
    "sentence",
    [
        "Dana joined Halden Retail as VP.",
        "Dana joined the call late.",
        "The price has gone up.",
        "Dana is now at the depot.",
    ],
)
def test_joining_the_customer_or_a_call_is_no_departure(sentence: str) -> None:
    assert departure_cues(sentence, CUSTOMER_NAMES) == []


def test_the_speaker_on_their_own_leaving() -> None:
    (cue,) = departure_cues("I'm leaving Contoso at the end of October.")
    assert cue.first_person


def test_a_great_call_is_not_a_person_s_stance_but_a_positive_person_is() -> None:
    assert stance_cues("Great call, covered the roadmap and pricing.") == []
    assert [c.value for c in stance_cues("Dana was very positive throughout.")] == [Stance.supporter]


def test_wanting_more_of_what_we_sell_is_positive_but_wanting_a_discount_is_not() -> None:
    ours = ("Kestrel APM", "Kestrel")
    assert [c.value for c in stance_cues("Amara wants Kestrel APM on every new payment flow.", ours=ours)] == [
        Stance.supporter
    ]
    assert stance_cues("Greg wants 15% off the renewal.", ours=ours) == []


@pytest.mark.parametrize(
    ("sentence", "name", "engaged"),
    [
        ("Rashid: 'send me the proposal, I'll look at it'. Standard.", "Rashid", True),  # his own words
        ("Jin — “what's the roadmap for EV fleets?” – will revert.", "Jin", True),
        ("Call w/ Yusuf: the budget is 1.2m, not 900k.", "Yusuf", True),  # a SAM's "with"
        ("Kofi: owns the depot budget.", "Kofi", False),  # a label about him is not him talking to us
        ("Dana (VP Ops) — budget owner for the pilot.", "Dana", False),
    ],
)
def test_engagement_is_their_own_words_or_a_conversation_with_them(sentence: str, name: str, engaged: bool) -> None:
    assert _engaged_alone(sentence, name) is engaged


@pytest.mark.parametrize(
    ("sentence", "name", "engaged"),
    [
        ("I've never met Gary.", "Gary", False),
        ("Leaving it until we've met Anita, but treat him as gone.", "Anita", False),
        ("Would it help if Sindre asked Camilla for 30 min?", "Camilla", False),
        ("Liz to set up an intro for us with Marcus before 15 Jan.", "Marcus", False),
        ("Priya Nandakumar joins us as Chief Digital Officer in January.", "Priya", False),  # she joins them
        ("Dana will send the numbers on Friday.", "Dana", False),  # only to come
        ("Rachel wants the Skyroster number beaten or explained.", "Rachel", False),  # a wish, not her act
        ("Intro call w/ Andrzej (new fleet dir).", "Andrzej", True),  # an intro that took place
        ("Met with Dana on Tuesday.", "Dana", True),
    ],
)
def test_a_meeting_negated_wished_or_planned_is_no_engagement(sentence: str, name: str, engaged: bool) -> None:
    assert _engaged_alone(sentence, name) is engaged


def test_what_someone_else_reports_a_person_did_is_not_them_talking_to_us() -> None:
    sentence = "Claire said it was quite something and that Marcus asked for a full rollout plan."
    mentions = _mentions(sentence, "Claire", "Marcus")
    assert {m.key for m in mentions if directly_engaged(sentence, m, mentions)} == {"Claire"}


def _mentions(sentence: str, *names: str) -> list[Mention]:
    return [Mention(name, sentence.index(name), sentence.index(name) + len(name)) for name in names]


@pytest.mark.parametrize(
    ("sentence", "engaged"),
    [
        ("Roman Bartoš, the new IT director – Lucie told us he will do the security review.", {"Lucie"}),
        ("Roman and Lucie said they would both be at the kick-off.", {"Roman", "Lucie"}),
        ("Roman (Lucie's deputy) said the review starts in May.", {"Roman"}),
        ("Roman, Lucie's deputy, said the review starts in May.", {"Roman"}),
        ("Roman owns the budget; Lucie told us so on Friday.", {"Lucie"}),
    ],
)
def test_a_verb_after_two_people_is_the_nearer_ones(sentence: str, engaged: set[str]) -> None:
    mentions = _mentions(sentence, "Roman", "Lucie")
    assert {m.key for m in mentions if directly_engaged(sentence, m, mentions)} == engaged


@pytest.mark.parametrize(
    ("sentence", "name", "engaged"),
    [
        ("Tunde on the SSO call. Purely technical, fine.", "Tunde", True),
        ("Dr. Ilana Friedman dialled into the quarterly review.", "Ilana Friedman", True),
        ("Ms. O'Brien from the purchasing took part in the negotiation call.", "O'Brien", True),
        ("Mrs. Dimitrova joined the web meeting with the camera off.", "Dimitrova", True),
        ("Frau Schwarz called me back regarding the invoice questions.", "Schwarz", True),
        ("Dana's name came up on the call.", "Dana", False),  # a meeting further on is not her taking part
        ("Dana was in Berlin last week.", "Dana", False),
        ("Dana is on the board of a charity.", "Dana", False),
    ],
)
def test_taking_part_in_a_meeting_with_us_is_engagement(sentence: str, name: str, engaged: bool) -> None:
    assert _engaged_alone(sentence, name) is engaged


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Dana is dead set against the renewal.", Stance.detractor),
        ("Dana complained about the outage again.", Stance.detractor),
        ("Dana pushed back on the price.", Stance.detractor),
        ("Dana rang with genuinely useful intelligence: the rival quoted 30% under us.", Stance.coach),
        ("Dana had taken our one-pager to the executive committee without us.", Stance.champion),
        ("Dana wants it in front of the ExCo before the review lands.", Stance.champion),
    ],
)
def test_opposition_and_inside_information_said_plainly(sentence: str, stance: Stance) -> None:
    assert [c.value for c in stance_cues(sentence)] == [stance]


@pytest.mark.parametrize(
    "sentence",
    [
        "We still need SAML SSO against our tenant before the board.",
        "Complaint volumes are the lowest we have had.",
        "Dana pushed back on him, on the record.",
        "We sell business intelligence dashboards to the stores.",
        "Dana took us to lunch after the workshop.",
        "Dana took the call from the board room.",
    ],
)
def test_words_that_only_look_like_a_stance_are_none(sentence: str) -> None:
    assert stance_cues(sentence) == []


def _read(sentence: str) -> Stance | None:
    """The stance one sentence says, for an account selling Lumora against Datadog."""
    cues = stance_cues(sentence, ["Datadog"], ["Lumora"])
    return cues[0].value if cues else None


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Sceptical in March, but the trace went straight back to two of his pens and he has come round.",
         Stance.supporter),
        ("He was against it at first, but after the pilot he came round to it.", Stance.supporter),
        ("Disappointed of course, but I understand.", None),
        ("Disappointed, but we accept the panel's decision.", None),
        # a change of mind is only the doubt before it; a doubt after it, or a grievance not accepted, still counts
        ("She has come round, but the CFO still prefers Datadog.", Stance.detractor),
        ("Frustrated with the outage, and I don't understand why it took so long.", Stance.detractor),
    ],
)
def test_a_change_of_mind_ends_the_doubt_before_it_and_an_accepted_disappointment_opposes_nothing(
    sentence: str, stance: Stance | None
) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("I've been fighting for you in every budget meeting since March.", Stance.champion),
        ("I told the partners on Monday that Lumora has paid for itself twice over.", Stance.champion),
        ("I already told our CFO that if we don't fund Lumora this year we're going to regret it.", Stance.champion),
        ("I've moved the money from the retention line into your project.", Stance.champion),
        ("Tomás pulled $180k from the scheduling budget to cover the Lumora expansion.", Stance.champion),
        ("I wrote the sole-source justification for you guys myself.", Stance.champion),
        # telling the board or moving money with nothing of ours in it, or owning the case, is no advocacy
        ("I told the partners about the offsite.", None),
        ("He told the board we would not renew.", None),
        ("Priya drafts the business case.", None),
        ("Finance moved the budget to next year.", None),
    ],
)
def test_working_for_us_inside_their_organisation_is_selling_for_us(sentence: str, stance: Stance | None) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("She convinced her plant manager to take our system for the Kecskemét line as well.", Stance.champion),
        ("He has been walking the CMO through our pilot numbers before every committee.", Stance.champion),
        ("Ravi reported to headquarters that our platform should be the global template.", Stance.champion),
        ("Ines wrote the internal decision paper for us and put it in front of the MD.", Stance.champion),
        ("Ana told her CFO that if they don't fund our rollout this year they will regret it.", Stance.champion),
        # what was said inside is against us: no selling, whoever heard it
        ("He has since told his director that he no longer trusts our hosting.", None),
        ("I briefed our CFO on Ana's pilot and our discount.", None),  # in our note, "our CFO" is ours
        ("She told the committee that our pricing penalises growth and is recommending the per-bed model instead.",
         None),
    ],
)
def test_in_our_own_notes_our_is_us_when_someone_sells_inside(sentence: str, stance: Stance | None) -> None:
    cues = stance_cues(sentence, ["Datadog"], ["Lumora"], our_voice=True)
    assert (cues[0].value if cues else None) == stance


def test_in_the_customers_own_words_our_is_theirs() -> None:
    # a customer telling their CFO about their own system sells nothing of ours
    assert stance_cues("I convinced our CFO to keep our old system another year.", our_voice=False) == []


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Honestly, the archive search is really good.", Stance.supporter),
        ("Keiko said our proposal is the most clear of all she received.", Stance.supporter),
        ("For me Lumora is the easiest to use of the three we tested.", Stance.supporter),
        ("Patrice said the permitting workflow looked 'miles ahead' of what they have now.", Stance.supporter),
        ("Your account team has been exemplary this year.", Stance.supporter),
        ("The integration went smoother than I thought, props to your eng team.", Stance.supporter),
        ("Honestly it's been one of the easier rollouts we've done.", Stance.supporter),
        ("Can't fault the service.", Stance.supporter),
        ("Yaw spoke warmly of the support desk after the weekend incident.", Stance.supporter),
        ("Whatever you did to the load times, keep doing it.", Stance.supporter),
        ("Mei said the training sessions were the best vendor training she's sat through.", Stance.supporter),
        # praise denied, or of something not ours
        ("The rollout wasn't smooth at all.", None),
        ("The call went well.", None),
        ("Our team would need training first.", None),  # the customer's own team, in their words
        ("The easiest fix would be to restart the job.", None),
        ("She asked whether the migration went to plan.", None),
    ],
)
def test_praise_of_what_we_sold_or_did_in_everyday_words_is_support(sentence: str, stance: Stance | None) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("She keeps me posted on the budget.", Stance.coach),
        ('He didn\'t say yes or no to anything, more like "ok, keep me informed".', None),  # he asks us to inform him
        ("Dana is firmly on our side.", Stance.supporter),
        ("That's the gating item on our side.", None),  # the customer's own side of a task
        ("Who on our side can see their data?", None),
        ("She really appreciated the training your team ran.", Stance.supporter),
        ("I appreciate this is below your quote of EUR 1.84M.", None),  # acknowledging a fact
        ("Happy with the rollout so far.", Stance.supporter),
        ("Happy new year.", None),
        ("Public company engagements look nothing like the private ones.", None),
        ("Nobody's complaining about the tools.", None),
        ("No one is unhappy with the rollout.", None),
        ("She was warm about it and open to hearing what else we could do.", Stance.supporter),
        ("Which ports do you need open to the cloud?", None),  # a firewall, not a mind
    ],
)
def test_manners_acknowledgements_and_the_customers_own_side_are_no_stance(
    sentence: str, stance: Stance | None
) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("phrase", "title"),
    [
        ("Customer Journey Manager", True),
        ("Sales Engineer", True),
        ("Wants the Engineer No-show Repeat-contact View", False),
        ("Asked for a Lead Time", False),
    ],
)
def test_a_phrase_led_by_what_someone_wants_or_said_is_no_title(phrase: str, title: bool) -> None:
    assert is_title(phrase) is title


@pytest.mark.parametrize(
    "sentence",
    [
        "Aroha went in to bat for us without being asked.",
        "Aroha went into bat for us at the ELT.",
        "She went to bat for us with the CFO.",
    ],
)
def test_going_in_to_bat_for_us_is_selling_for_us(sentence: str) -> None:
    assert [c.value for c in stance_cues(sentence)] == [Stance.champion]


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Apparently the staff there have stopped complaining about it.", None),
        ("I'm not for it or against it, I just need the paperwork.", Stance.neutral),
        ("He is neither for nor against.", Stance.neutral),
        ("They complained to the CFO about it.", Stance.detractor),
    ],
)
def test_a_complaint_that_stopped_is_none_and_neither_for_nor_against_is_neutral(
    sentence: str, stance: Stance | None
) -> None:
    assert [c.value for c in stance_cues(sentence)] == ([stance] if stance else [])


def test_weeks_back_is_a_time_not_backing_a_competitor() -> None:
    sentence = "A couple of weeks back Rachel put the Skyroster quote on the table."
    assert stance_cues(sentence, competitors=["Skyroster"]) == []
    assert [c.value for c in stance_cues("Rachel backs Skyroster.", competitors=["Skyroster"])] == [Stance.detractor]


@pytest.mark.parametrize(
    "sentence",
    [
        "I'm not doing it all again in July for whatever else you've sold us.",
        "Ask Luca to co-present the slotting simulation so the numbers are theirs, not ours.",
        "Get Dana to present it to the CFO.",
    ],
)
def test_selling_that_is_ours_or_only_asked_of_them_is_not_their_advocacy(sentence: str) -> None:
    assert Stance.champion not in {c.value for c in stance_cues(sentence)}


def test_selling_they_did_is_still_their_advocacy() -> None:
    assert [c.value for c in stance_cues("Luca co-presented the slotting simulation to the board.")] == [
        Stance.champion
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "I was not a fan in the spring.",
        "I was the loudest voice against this in April.",
        "And honestly, Corvia is already here and my docs like it.",
    ],
)
def test_a_stance_told_as_the_past_or_said_of_a_competitor_is_no_current_view_of_us(sentence: str) -> None:
    assert current_stance_cues(sentence, stance_cues(sentence, competitors=["Corvia"])) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "We lost the float pool to Corvia in September and Renee is happy with them.",
        "Renee is very happy with Corvia.",
        "Grace is pleased with Corvia's CRO portal.",
    ],
)
def test_content_with_a_competitor_prefers_it(sentence: str) -> None:
    assert {c.value for c in stance_cues(sentence, competitors=["Corvia"])} == {Stance.detractor}


def test_content_with_us_and_not_a_competitor_is_support() -> None:
    assert {c.value for c in stance_cues("She's happy with us, not with Corvia.", competitors=["Corvia"])} == {
        Stance.supporter
    }


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("He was against us in April and still is.", Stance.detractor),
        ("Annoyed but said he's 'not going back to the spreadsheets, no way.'", Stance.supporter),
        ("Renee is happy with it.", Stance.supporter),
    ],
)
def test_a_stance_that_still_holds_is_read(sentence: str, stance: Stance) -> None:
    assert [c.value for c in current_stance_cues(sentence, stance_cues(sentence, competitors=["Corvia"]))] == [stance]


@pytest.mark.parametrize(
    ("sentence", "title"),
    [
        ("Nicer news: Sam Pickering got the contact centre manager job, made permanent in August.",
         "Contact Centre Manager"),
        ("Dana landed the Head of IT role.", "Head of IT"),
        ("He got the job done.", None),
        ("Word is Bob gets the CEO job when the current one retires next year.", None),
    ],
)
def test_getting_the_job_is_a_new_title(sentence: str, title: str | None) -> None:
    assert [c.value for c in title_change_cues(sentence)] == ([title] if title else [])


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Chief of Staff", "Chief of Staff, Office of the CEO", True),
        ("Senior Engineer, Yield Engineering", "Senior Engineer, Yield Engineering Dept", True),
        ("Senior Procurement Specialist", "Senior Procurement Specialist Kowhai Air", True),
        ("QA Manager", "Quality Manager", False),
        ("Director of Platform Engineering", "VP of Engineering", False),
        ("Head of IT", "CIO", False),
    ],
)
def test_a_title_that_only_says_more_of_the_same_job_is_no_change_of_job(a: str, b: str, same: bool) -> None:
    assert same_job(a, b, frozenset({"kowhai", "air"})) is same


def test_a_refusal_after_a_turn_of_mind_stays_the_speaker_s_own_refusal() -> None:
    [cue] = stance_cues("In January I pushed back on everything; now I just won't sell it for you upstairs.")
    assert (cue.value, cue.refusal, cue.first_person) == (Stance.supporter, True, True)


@pytest.mark.parametrize(
    ("sentence", "departed"),
    [
        ("Found out from JF today, almost by accident: Brian Halvorsen left Fraser & Kline at the end of July.", True),
        ("She left F&K Transportation last spring to run a utility's PMO.", True),
        # leaving something with the customer, or leaving another organisation, says nothing of leaving them
        ("We left Fraser & Kline a voicemail and the revised quote.", False),
    ],
)
def test_leaving_the_customer_by_its_name_is_a_departure(sentence: str, departed: bool) -> None:
    cues = departure_cues(sentence, ["Fraser & Kline", "F&K Transportation"])
    assert bool(cues) is departed


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        # a burden gone, in their own words
        ("I haven't had to chase a single consultant for a return code since March.", Stance.supporter),
        ("My adjusters quit complaining about the inbox.", Stance.supporter),
        ("Tomás says the auto re-sequence saves him an hour a night.", Stance.supporter),
        # a change of mind, a referral on their name, a promise of backing, a verdict
        ("I have to say it: I was wrong.", Stance.supporter),
        ("Do get in touch with her, and feel free to say I sent you.", Stance.supporter),
        ("For the technical part you can count on me.", Stance.supporter),
        ("The aging report alone has been worth the price of admission.", Stance.supporter),
        ("Ingrid told me Lars is fully behind it.", Stance.supporter),
        ("She said it's the cleanest savings number she's ever had to defend.", Stance.supporter),
        ("Said in passing it's 'the best thing we've put into Corby in years'.", Stance.supporter),
        ("They're finding prior-year positions in seconds instead of digging through folders.", Stance.supporter),
        ("The Galway lads are dying to get it after seeing ours.", Stance.supporter),
        # the same words about something else, or a limit, are no stance
        ("I was wrong about the date, it's the 14th.", None),
        ("The best we've managed so far is a draft.", None),
        ("We haven't had to renew yet.", None),
        ("It saves us nothing.", None),
        ("We're behind schedule on the data load.", None),
    ],
)
def test_support_said_in_everyday_words(sentence: str, stance: Stance | None) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Graham said he is not yet convinced a separate maintenance platform is needed.", Stance.detractor),
        ("I'm happy to keep an open mind, but our current setup works.", Stance.detractor),
        ("Johanna still negative since the outage, portal stuck.", Stance.detractor),
        ("Felix spent the last twenty minutes explaining why we shouldn't bother.", Stance.detractor),
        ("He doesn't see the need for a second platform.", Stance.detractor),
        # weather, and seeing the value, are not opposition
        ("Still cold outside, so the walk-round moved indoors.", None),
        ("I can see the value straight away.", None),
    ],
)
def test_the_case_against_buying_in_everyday_words(sentence: str, stance: Stance | None) -> None:
    assert _read(sentence) == stance


@pytest.mark.parametrize(
    ("sentence", "stance"),
    [
        ("Friendly and keen, but no strong view either way yet.", Stance.neutral),
        ("I won't push for it either way, to be honest.", Stance.neutral),
        # a verdict on what we sell is support whatever else is undecided; someone named between is someone else
        ("She loves the dashboards and has no strong view on the renewal.", Stance.supporter),
        ("Wei Ling Tan (plant IT) is keen, Arjun Pillai (MD) neutral, wants to see a price.", Stance.supporter),
    ],
)
def test_a_mood_beside_an_explicit_lack_of_position_is_neutral(sentence: str, stance: Stance) -> None:
    assert _read(sentence) == stance
