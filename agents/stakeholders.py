"""The stakeholder map agent's offline engine: deterministic rules over CRM facts and retrieved text.

Facts come from the CRM (Contact, OpportunityContactRole, Task, Event); what the CRM does
not know — departures, new people, promotions, reporting lines, stance — comes from
sentences in retrieved notes and transcripts, read by small named rules below. Rules only
read facts about people; text that addresses the drafting system is skipped, never obeyed.
Every proposed change cites the CRM lines or the sentence it rests on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache
from typing import Any

from agents.context import ACTIVITY_TYPES, AccountEvidence, contact_name, parse_day
from agents.crm import (
    buying_role_of,
    competitor_aliases,
    custom_departure,
    custom_role,
    custom_stance,
    customer_names,
    is_open_task,
    organisation_words,
    our_names,
    record_subject,
    seller_staff,
    stakeholder_contacts,
)
from agents.reading import (
    MONTH_WORD,
    Sentence,
    chat_lines,
    is_hedged,
    looks_like_instruction,
    names_any,
    quote,
    speakers_of,
    split_sentences,
    untrusted_blocks,
    visible_text,
)
from plans.diff import proposed_change
from plans.models import (
    AccountPlan,
    Change,
    Citation,
    Stakeholder,
    person_key,
)
from plans.names import display_name, first_name_variants, mentions, name_tokens, same_person
from plans.vocabulary import (
    BuyingRole,
    ChangeKind,
    StakeholderStatus,
    Stance,
    Strength,
)
from retrieval.evidence import CrmRecord, Hit, Source, SourceType

CRM_CONFIDENCE = 0.92
SINGLE_MENTION_CONFIDENCE = 0.6
CORROBORATED_CONFIDENCE = 0.8

GENERAL_QUESTIONS = (
    "left the company resigned departed no longer with last day",
    "new hire joined as",
    "promoted to new role now the head of",
    "champion advocate internally sells for us",
    "coach shared inside information heads-up",
    "skeptical concerns pushback prefers competitor opposes",
    "supportive happy with positive about",
    "neutral on the fence undecided",
    "reports to",
)


def stakeholder_queries(evidence: AccountEvidence) -> list[str]:
    """What to ask the retriever: the general questions, then each known person's name."""
    names = sorted(set(evidence.contact_names().values()))
    return [*GENERAL_QUESTIONS, *names]


# ---------------------------------------------------------------------------
# People in text
# ---------------------------------------------------------------------------

# Latin letters with their accents, Latin Extended-A and -B included ("Bartoš", "Łukasiewicz", "Dvořák").
_LETTERS = "A-Za-zÀ-ÖØ-öø-ɏ"
_UPPER = "A-ZÀ-ÖØ-ÞĀ-ɏ"
_NAME_WORD = rf"[{_UPPER}][{_LETTERS}'’\-]+"
_NAME = rf"{_NAME_WORD}(?:\s+[{_UPPER}]\.)?(?:\s+{_NAME_WORD}){{1,2}}"
# The words that make a capitalised pair a company ("Distribution GmbH", "Nordic Systems").
_COMPANY_FORMS = (
    "GmbH", "Ltd", "Inc", "LLC", "plc", "Corp", "Consulting", "Partners", "Holdings", "Associates", "Solutions",
    "Systems", "Technologies", "Services", "Ventures", "Advisory",
)
_NOT_NAME_WORDS = frozenset(
    {
        "the", "a", "an", "our", "their", "his", "her", "we", "they", "he", "she", "it", "this", "that",
        "new", "vp", "head", "chief", "director", "manager", "senior", "team", "group", "call", "meeting",
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
        "january", "february", "march", "april", "may", "june", "july", "august", "september",
        "october", "november", "december", "q1", "q2", "q3", "q4", "last", "next", "also", "and",
        # greetings and sign-offs, which run into the name after them ("Thanks Nisha", "Cheers Kieran")
        "thanks", "thank", "cheers", "regards", "best", "hi", "hello", "hey", "dear", "morning", "welcome",
        # and the words that make one a company ("Distribution GmbH", "Pennine Mutual")
        *(form.lower() for form in _COMPANY_FORMS), "corporation", "company", "mutual", "consultants", "bank",
        "insurance", "university", "council", "authority", "foundation",
    }
)
_LEAD_WORDS = frozenset(
    {
        "yesterday", "today", "finally", "meanwhile", "update", "note", "fyi", "welcome", "congrats",
        "congratulations", "per", "after", "since", "when", "then", "both", "so", "but", "recently",
        "earlier", "later", "separately", "additionally", "plus", "confirmed", "news", "heads",
        "met", "meet", "meeting", "thanks", "thank", "hi", "hello", "with", "cc", "and", "also", "ask", "asked",
    }
)


def plausible_name(text: str) -> bool:
    """Whether capitalized words look like a person's full name rather than a title, date or team."""
    words = re.findall(rf"[{_LETTERS}'’\-]+", text)
    return len(words) >= 2 and not any(
        w.lower() in _NOT_NAME_WORDS or w.lower() in TITLE_WORDS for w in words
    )


def clean_name(text: str) -> str | None:
    """A captured name without the sentence words that ran into it ("In March Priya Nair" → "Priya Nair")."""
    words = text.split()
    while len(words) > 2 and (words[0].lower() in _NOT_NAME_WORDS or words[0].lower() in _LEAD_WORDS):
        words = words[1:]
    name = " ".join(words)
    return name if plausible_name(name) else None


@dataclass(frozen=True)
class Person:
    key: str
    name: str


@dataclass(frozen=True)
class Mention:
    key: str
    start: int
    end: int


# Two- and three-letter abbreviations notes use for things, never for a person's initials.
_ABBREVIATIONS = (
    "AE AI AM AP AR BA BI BU CA CC CD CE CF CI CM CO CS CT CX DB DC DD DM DR EA EB EC EM EU EX FD FM FP FY GA GC GM GP"
    " HQ HR ID IP IR IS IT KM KO LA MD ML MS NA NB NO NY OK OR PA PC PE PM PO PR PS QA QC RE RM SA SE SF SI SM SO ST"
    " SW TA TB TL TM TV UI UK UN US UX VC VM VP VS WC WM CEO CFO CIO COO CRO CTO CMO CPO CSO CDO API ARR BAU CSM EOD"
    " ETA FAQ FTE FYI GDP ITS KPI MVP NDA POC QBR RFP RFQ ROI SAP SLA SOW SSO TCO TBD TBC USA VAT YOY"
)
COMMON_ABBREVIATIONS = frozenset(_ABBREVIATIONS.split())


class Directory:
    """The people known so far, and how each may be mentioned without ambiguity."""

    def __init__(self, people: Iterable[Person]) -> None:
        self.people: dict[str, Person] = {}
        self._first_counts: dict[str, int] = {}
        self._initials: dict[str, str] = {}
        self._initials_pattern: re.Pattern[str] | None = None
        self._token_counts: dict[str, int] = {}
        self.ordinary: frozenset[str] = frozenset()  # words the account's own text writes in lower case
        for person in people:
            self.add(person)

    def add(self, person: Person) -> None:
        self.people[person.key] = person
        self._first_counts = defaultdict(int)
        self._token_counts = defaultdict(int)
        for known in self.people.values():
            for variant in self._firsts(known.name):
                self._first_counts[variant] += 1
            for token in set(name_tokens(known.name)):
                self._token_counts[token] += 1
        self._initials = self._unique_initials()
        # One pattern for every usable set of initials, written in capitals as a word of its own ("Call w/ TW").
        self._initials_pattern = (
            re.compile(rf"(?<![\w&/.-])(?:{'|'.join(sorted(self._initials, key=len, reverse=True))})(?![\w&-])")
            if self._initials
            else None
        )

    @staticmethod
    def _firsts(name: str) -> frozenset[str]:
        words = name_tokens(name)
        return first_name_variants(words[0]) if len(words) >= 2 else frozenset()

    def resolve(self, name: str) -> Person | None:
        """The known person `name` (or a display label of them) refers to: a full-name match, or a
        first name only one person has."""
        name = display_name(name)
        for person in self.people.values():
            if same_person(person.name, name):
                return person
        words = name_tokens(name)
        if len(words) == 1:
            owners = [p for p in self.people.values() if words[0] in self._firsts(p.name)]
            if len(owners) == 1 and self._unique_first(owners[0]):
                return owners[0]
            by_surname = [p for p in self.people.values() if name_tokens(p.name)[-1:] == words]
            if len(by_surname) == 1 and self.surname_alone(by_surname[0]):
                return by_surname[0]
        return None

    def surname_alone(self, person: Person) -> bool:
        """Whether the family name alone means this person ("Since Brandtner is gone"): nobody else has it in
        their name, and the account's own text never writes it as an everyday word ("price", "young")."""
        words = name_tokens(person.name)
        if len(words) < 2 or not self.ordinary:
            return False
        last = words[-1]
        return len(last) >= 4 and self._token_counts.get(last, 0) == 1 and last not in self.ordinary

    def _unique_first(self, person: Person) -> bool:
        words = name_tokens(person.name)
        return len(words) >= 2 and self._first_counts.get(words[0], 0) == 1

    def _unique_initials(self) -> dict[str, str]:
        """Initials ("TW" for Tomasz Wróblewski) → the one person they can mean: no one else shares them and
        they are not an everyday abbreviation ("IT", "VP")."""
        owners: dict[str, set[str]] = defaultdict(set)
        for person in self.people.values():
            words = name_tokens(person.name)
            if len(words) >= 2:
                owners[(words[0][0] + words[-1][0]).upper()].add(person.key)
                if len(words) == 3:
                    owners["".join(w[0] for w in words).upper()].add(person.key)
        return {
            letters: next(iter(keys))
            for letters, keys in owners.items()
            if len(keys) == 1 and letters.isalpha() and letters not in COMMON_ABBREVIATIONS
        }

    def find(self, text: str, *, lower_case: bool = False) -> list[Mention]:
        """Every mention of a known person in `text`, left to right, without overlaps. With `lower_case` (text
        whose writer capitalises nothing, "dazza says kirsten ran it"), a name in small letters counts too,
        unless the account's capitalised text uses each of its words as an everyday word ("will", "grant")."""
        found: list[Mention] = []
        for person in self.people.values():
            for start, end in mentions(
                text,
                person.name,
                first_alone=self._unique_first(person),
                surname_alone=self.surname_alone(person),
                capitalized=not lower_case,
            ):
                if text[start].isupper() or (
                    self.ordinary and not all(w in self.ordinary for w in re.findall(r"[\w'’-]+", text[start:end]))
                ):
                    found.append(Mention(person.key, start, end))
        if self._initials_pattern is not None:
            found += [Mention(self._initials[m[0]], m.start(), m.end()) for m in self._initials_pattern.finditer(text)]
        claimants: dict[tuple[int, int], set[str]] = defaultdict(set)
        for mention in found:
            claimants[(mention.start, mention.end)].add(mention.key)
        # A word two people may be called ("Chris" for Christopher and Christina) is evidence for neither.
        found = [m for m in found if len(claimants[(m.start, m.end)]) == 1]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[Mention] = []
        for mention in found:
            if not kept or mention.start >= kept[-1].end:
                kept.append(mention)
        return kept


# ---------------------------------------------------------------------------
# Rules: each returns the cues it finds in one sentence
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cue:
    """A phrase in a sentence that says something about a person; `value` is what it says."""

    start: int
    end: int
    value: Any
    weight: int = 2
    name: str | None = None  # the person's name when the rule captured it explicitly
    first_person: bool = False  # the speaker talks about themself ("I just joined as ...")
    refusal: bool = False  # an explicit refusal to sell for us ("I won't sell it for you"): a supporter, DESIGN.md



_MONTH = MONTH_WORD
_DEPARTURE = re.compile(
    r"\b(?:has|had|have|just|recently|already|since)\s+left\b"
    r"(?!\s+(?:a|an|us|me|him|her|them|you|some|his|their|comments?|feedback|notes?|voicemails?|messages?"
    r"|early|the\s+(?:call|meeting|room|chat|building)))"
    r"|\bleft\s+(?:the|our|their)\s+(?:company|firm|organi[sz]ation|business|team|account|group)\b"
    r"|\bleft\s+(?:for|to\s+join|to\s+take|to\s+pursue|to\s+start|to\s+go\s+travell?ing|to\s+travel|to\s+retire)\b"
    # the customer's own voice: "Henrik left us at the end of June", "Florian left us in September."
    r"|\bleft\s+us(?=\s*(?:[.;]|$)|\s+(?:for|to\s+join|back\s+in|last\s+(?:week|month|year)|in\s+" + _MONTH
    + r"|at\s+the\s+end\s+of\s+(?:the\s+)?(?:month|year|quarter|Q[1-4]|" + _MONTH + r"))\b)"
    # a note's fragment whose subject is the name itself: "- Henrik gone. TODO remove from OCR"
    r"|(?:^|(?<=[-•*;]\s))\s*(?P<gone>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r")?)\s+gone(?=\s*(?:[.!;]|$))"
    r"|\b(?:is|are|was|were)\s+(?:not|no)\s+more\s+(?:with|at)\b"  # "is not more with Saltmarsh" (non-native)
    r"|\bleft\s+(?:in|last|earlier|at\s+the\s+end\s+of|back\s+in|two|three|a\s+few|a\s+couple)\b"
    r"|\bleft\s+" + _NAME_WORD + r"(?=\s*(?:[.,;]|$|\s+(?:in|last|to|for|after|earlier|this|two|three)\b))"
    r"|\b(?:resigned|resignation|departed|departure|stepped\s+down|was\s+let\s+go|been\s+let\s+go|laid\s+off"
    r"|parted\s+ways|no\s+longer\s+(?:with|at|employed|works?\s+(?:at|for|there|here))"
    r"|(?:is|was)\s+leaving(?=\s*(?:[.,;]|$|\s+(?:us|for|to\s+join|the\s+company|at\s+the\s+end|in|next|on|this|after)\b))"
    # the other tenses of leaving, with an object that makes it the employer, not a trip: "leaves us at the end
    # of October", "will leave the company in May"
    r"|(?:leaves|will\s+leave|(?:is|are)\s+going\s+to\s+leave)\s+(?:us|the\s+(?:company|firm|business|organi[sz]ation))"
    r"(?=\s*(?:[.,;]|$|\s+(?:at|in|on|next|this|after|to|by|once|when)\b))"
    r"|(?:leaves|will\s+leave)\s+(?=at\s+the\s+end\s+of\b|to\s+join\b)"
    # "Dave's finished up, by the way": the idiom for leaving a job, said of the person, not of a task
    r"|\b(?-i:[A-Z])[\w-]*(?:'s|’s|\s+has)\s+finished\s+up(?=\s*(?:[.,;!—–-]|$|\s+(?:at|with|here|there|last|on|this|in)\b))"
    r"|will\s+be\s+leaving|(?:'s|’s)\s+last\s+day|last\s+day\s+(?:at|with|is|was|will\s+be)"
    r"|quit\b(?!\s+\w+ing\b)|exited\s+the\s+(?:company|business)"
    r"|went\s+to\s+work\s+for|poached\s+by|retired\b(?!\s+(?:the|their|our|its|a|an|that|this)\b)"
    r"|(?:is|are|was|were)(?:n['’]t|\s+not|\s+no\s+longer)\s+(?:with|at|in|part\s+of)\s+\w+(?:\s+\w+)?\s+any\s?more"
    r"|not\s+any\s?more\s+(?:in|at|with|part\s+of)\b|\bno\s+longer\s+(?:part\s+of|on\s+the\s+(?:team|org))"
    r"|handed\s+in\s+(?:his|her|their|my)\s+(?:notice|resignation)|serv(?:ed|ing)\s+(?:out\s+)?(?:his|her|their|my)\s+notice"
    r"|(?:early\s+)?retirement\b(?=[^.]{0,30}\b(?:since|from|in|last|started|took|went|began)\b)|went\s+into\s+retirement"
    r"|moved\s+on\s+to\s+(?!the\b|a\b|an\b|our\b|other\b|another\b)(?=(?-i:[A-Z]))|(?:has|have|had)\s+left\s+(?=(?-i:[A-Z]))"
    r"|(?:was\s+)?made\s+redundant\b|\bgarden\s+leave\b|\b(?:email|e-mail|mail)\s+(?:now\s+)?bounce[sd]?\b"
    r"|\b(?:is|has)\s+gone\b(?!\s+(?:up|down|well|live|through|quiet|with|over|ahead|into|back|to|from|soft|cold|silent"
    r"|dark|off|out|round|around|past|beyond|missing|a\s+bit|very|really|all)\b)"
    # leaving for another organisation (checked against the customer's own names by the reader)
    r"|\b(?P<joined>(?:has\s+)?joined|is\s+joining|took\s+(?:a|an|the)\s+(?:new\s+)?(?:job|role|position)\s+(?:at|with)"
    r"|accepted\s+(?:an\s+offer|a\s+(?:new\s+)?(?:role|job|position))\s+(?:at|with|from)|(?:is\s+)?now\s+at)\s+"
    r"(?=(?-i:[A-Z])(?!(?:the|our|their|us|a|an)\b)))",
    re.IGNORECASE,
)
# The speaker on their own leaving: "I'm leaving Contoso at the end of October", "my last day is Friday".
_FIRST_PERSON_DEPARTURE = re.compile(
    r"\bI(?:['’]m|\s+am)\s+(?:leaving|moving\s+on|stepping\s+down|retiring)\b"
    r"|\bI(?:['’]ve|\s+have)\s+(?:resigned|handed\s+in\s+my\s+notice|accepted\s+(?:an\s+offer|a\s+(?:new\s+)?(?:role|job)))"
    r"|\bmy\s+last\s+day\b",
    re.IGNORECASE,
)
_ORG_AFTER_JOIN = re.compile(r"\s*(?P<org>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,3})")


# What is left over, not who left: "there's no money left in this year's", "two weeks left in the quarter"
_REMAINING = re.compile(
    r"\b(?:money|budget|cash|funds?|nothing|much|little|time|days?|weeks?|months?|hours?|seats?|licen[cs]es?"
    r"|capacity|room|headroom|none|anything|something|stock|\d[\d,.]*\s?[km%]?)\s+$",
    re.IGNORECASE,
)


def departure_cues(sentence: str, customer: Sequence[str] = ()) -> list[Cue]:
    """Phrases saying someone left the organization: "has left", "resigned", "no longer with", "last day",
    "joined Stripe as CFO" (another organisation than the customer), and the speaker's "I'm leaving"."""
    cues = []
    for m in _DEPARTURE.finditer(sentence):
        if is_hedged(sentence, m.start()) or _REMAINING.search(sentence, 0, m.start()):
            continue
        if m.group("joined"):
            org = _ORG_AFTER_JOIN.match(sentence[m.end() :])
            if not customer or not org or _customer_org([org.group("org")], customer):
                continue  # joining the customer, or an org we cannot tell apart, is no departure
        # "Henrik gone.": the fragment's subject is its own first words, and only a person can be gone
        cues.append(Cue(m.start(), m.end(), StakeholderStatus.departed, name=m.group("gone")))
    for m in _LEFT_ORG.finditer(sentence):  # "Brian Halvorsen left Fraser & Kline at the end of July"
        if customer and _customer_org([m.group("org")], customer) and not is_hedged(sentence, m.start()) and not any(
            c.start <= m.start() < c.end for c in cues
        ):
            cues.append(Cue(m.start(), m.end(), StakeholderStatus.departed))
    for m in _FIRST_PERSON_DEPARTURE.finditer(sentence):
        if not is_hedged(sentence, m.start()) and not any(c.start <= m.start() < c.end for c in cues):
            cues.append(Cue(m.start(), m.end(), StakeholderStatus.departed, first_person=True))
    return cues


TITLE_WORDS = frozenset(
    {
        "chief", "officer", "president", "vp", "svp", "evp", "avp", "vice", "head", "director", "manager",
        "lead", "leader", "architect", "engineer", "analyst", "counsel", "controller", "cto", "cio", "cfo",
        "ceo", "coo", "ciso", "cdo", "cmo", "cro", "cpo", "founder", "owner", "principal", "specialist",
        "administrator", "admin", "buyer", "partner", "coordinator", "consultant", "scientist", "treasurer",
        "secretary", "supervisor", "executive", "strategist", "gm", "chair", "chairman", "chairwoman",
        "chairperson", "superintendent", "commissioner", "dean", "provost", "steward",
    }
)
_TITLE_STOPS = frozenset(
    {
        "in", "on", "at", "from", "last", "this", "next", "after", "before", "to", "who", "which", "that",
        "replacing", "effective", "starting", "since", "with", "when", "where", "but", "so", "because",
        "under", "reporting", "based", "earlier", "yesterday", "today", "recently", "two", "three",
        "a", "an", "as", "is", "was", "will", "and", "or", "she", "he", "they", "her", "his", "their",
        "while", "until", "by", "about", "around", "back", "now", "then", "during", "your", "our", "my",
        "for",
    }
)
_TITLE_KEEP_LOWER = frozenset({"of", "and", "for", "the", "&", "-", "to", "in"})


# A phrase led by what someone does or says ("Wants the Engineer View", "Asked for a Lead Time") is no title.
_VERB_LEAD = frozenset(
    {
        "wants", "wanted", "needs", "needed", "asks", "asked", "says", "said", "thinks", "thought", "likes", "liked",
        "hates", "prefers", "preferred", "expects", "expected", "hopes", "wishes", "worries", "complains",
    }
)


def is_title(text: str) -> bool:
    """Whether a phrase reads as a job title: it holds a title word such as head, VP, director, chief."""
    words = re.findall(r"[A-Za-z]+", text.lower())
    return bool(words) and words[0] not in _VERB_LEAD and any(w in TITLE_WORDS for w in words)


_TITLE_TOKEN = re.compile(r"[A-Za-z0-9&][A-Za-z0-9&'’./\-]*|[,;:()—–]")
_TITLE_TAIL = re.compile(
    r",\s+((?:[A-Z][\w&/\-]*|&|and|of)(?:\s+(?:[A-Z][\w&/\-]*|&|and|of)){0,4})"
    r"(?=(?:\*\*|__|['’\"”])?\s*(?:[.;!?()]|$|\s+[a-z]|\s[-–—]\s))"
)


def title_at(sentence: str, start: int) -> str | None:
    """The job title that starts at `start`, cut where the sentence moves on ("VP of Data in March" → "VP of Data").

    A capitalized title ("Head of Data and Analytics") runs while words are capitalized or
    connectors; a lower-case one ("head of procurement") runs to the next stop word.
    """
    # A word or two that only lead into a capitalized title are not part of it: "now reads **VP IT
    # Operations**", "now formally "Interim CIO"".
    words = list(_TITLE_TOKEN.finditer(sentence[start:]))
    for lead in (1, 2):
        leading, first = words[:lead], words[lead] if len(words) > lead else None
        if first is not None and first.group()[:1].isupper() and all(
            w.group()[:1].islower() and w.group().lower() not in TITLE_WORDS | _TITLE_KEEP_LOWER | _TITLE_STOPS
            for w in leading
        ):
            start += first.start()
            words = words[lead:]
            break
    tokens = [w.group() for w in words]
    if not tokens:
        return None
    capitalized = tokens[0][:1].isupper() or tokens[0][:1].isdigit()
    kept: list[str] = []
    for index, word in enumerate(tokens):
        lower = word.lower().rstrip(".")
        nxt = tokens[index + 1] if index + 1 < len(tokens) else ""
        if word in {",", ";", ":", "(", ")", "—", "–"} or len(kept) >= 8:
            break
        if kept and lower in ("of", "&"):
            kept.append(word)
            continue
        if kept and lower == "and" and (nxt[:1].isupper() or not capitalized):
            kept.append(word)
            continue
        if lower in _TITLE_STOPS or (capitalized and not (word[:1].isupper() or word[:1].isdigit())):
            break
        ends_sentence = word.endswith(".") and lower not in {"sr", "jr"}
        kept.append(word.rstrip(".") if ends_sentence else word)
        if ends_sentence:
            break
    while kept and kept[-1].lower() in _TITLE_KEEP_LOWER:
        kept.pop()
    title = " ".join(kept).strip()
    if capitalized and title and is_title(title):
        # "Director, GIS & Asset Data", "Senior Manager, Logistics Systems per the org chart": a capitalized
        # run after the comma that ends the sentence or meets a lower-case word. One followed by another
        # comma is more likely a name in apposition ("VP Sales, Dana Whitfield, said").
        rest = sentence[start:]
        at = rest.find(title.split()[-1]) + len(title.split()[-1])
        tail = _TITLE_TAIL.match(rest[at:])
        if tail and tail.group(1).split()[-1].lower() not in _TITLE_KEEP_LOWER:
            title = f"{title}, {tail.group(1)}"
    if not title or not is_title(title):
        return None
    if title == title.lower():
        title = " ".join(w if w in _TITLE_KEEP_LOWER else w[:1].upper() + w[1:] for w in title.split())
    return title


_ARTICLE = r"(?:(?:the|their|its|a|an)\s+)?(?:(?:new|newly\s+created|interim|acting)\s+)?"
_OUR_ARTICLE = r"(?:(?:the|their|its|a|an|our)\s+)?(?:(?:new|newly\s+created|interim|acting)\s+)?"
_EMPH = r"(?:\*{1,2}|_{1,2})?"
# Still to come: "joins us as Chief Digital Officer in January", "will start as CFO on 1 March"; a start counts only
# with "as <title>" ("Phase Two starts in January" is nobody's).
_WILL_JOIN = r"joins|will\s+join|is\s+joining|['’]s\s+joining|is\s+set\s+to\s+join"
_STARTS_AS = r"(?:starts|will\s+start|is\s+starting|['’]s\s+starting)"
_JOIN_VERB = (
    r"(?:has\s+|had\s+|have\s+|recently\s+|just\s+|officially\s+)*"
    r"(?:joined|started|came\s+on\s*board|came\s+aboard|was\s+hired|has\s+been\s+hired|was\s+brought\s+(?:in|on)"
    r"|has\s+been\s+brought\s+(?:in|on)|was\s+appointed|has\s+been\s+appointed|rejoined|came\s+back|returned"
    rf"|{_WILL_JOIN})"
)
_ARRIVING = re.compile(
    rf"\b(?:{_WILL_JOIN}|will\s+start|is\s+starting|['’]s\s+starting|starts\s+as"
    r"|(?:starting|starts|arriving|joining)\s+(?:on|in|from|next|this\s+coming)\b)\b",
    re.IGNORECASE,
)


def still_to_arrive(said: str) -> bool:
    """Whether an arrival is still to come: "joins us as Chief Digital Officer in January", "will start as CFO"."""
    return bool(_ARRIVING.search(said))


_ARRIVAL_AS = re.compile(
    rf"(?P<name>{_NAME}){_EMPH}(?:,[^,]{{1,60}},|\s*\([^)]{{1,60}}\))?\s+(?:{_JOIN_VERB}|{_STARTS_AS})(?:\s+(?!as\b)[^.;:]{{0,40}}?)?\s+as\s+"
    rf"{_OUR_ARTICLE}(?P<title>)"
)
_ARRIVAL_PLAIN = re.compile(
    rf"(?P<name>{_NAME}){_EMPH}(?:\s*\([^)]{{1,60}}\))?\s+{_JOIN_VERB}\s+(?:the\s+(?:company|team|organi[sz]ation|firm)\b"
    rf"|in\s+|last\s+|this\s+|two\s+|a\s+few\s+|recently\b|on\s+(?=\d)"
    # "joined 1 July", "started September 1": the day they arrived
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?i:{MONTH_WORD})\b|(?i:{MONTH_WORD})\s+\d{{1,2}}\b)"
)
_HIRED_AS = re.compile(
    rf"\b(?:hired|brought\s+in|brought\s+on|appointed|named|welcomed?"
    rf"|onboarded)\s+(?P<name>{_NAME})\s+as\s+{_ARTICLE}(?P<title>)"
)
_NEW_TITLE_NAME = re.compile(
    rf"(?<!\bour )(?<!\byour )\b(?:new(?:ly\s+hired|ly\s+appointed)?|incoming)\s+(?P<title>(?:[A-Z][\w&/\-]*"
    rf"|of|and|for|&)(?:\s+(?:[A-Z][\w&/\-]*|of|and|for|&)){{0,6}}?),\s+(?P<name>{_NAME})"
)
# "a new CFO starting on the first of December, Agnieszka Wróbel", "New COO started 9/8: Priya Venkataraman"
_NEW_TITLE_ARRIVING_NAME = re.compile(
    rf"(?<!\bour )(?<!\byour )\b(?i:new|incoming)\s+(?P<title>(?:[A-Z][\w&/\-]*|of|and|for|&)(?:\s+(?:[A-Z][\w&/\-]*"
    rf"|of|and|for|&)){{0,6}}?)\s+(?i:start\w*|join\w*|arriv\w*|com(?:es|ing)|came)\b[^.;:,]{{0,30}}?\s*[:,—–]\s*"
    rf"(?P<name>{_NAME})(?=\s*(?:[.,;(]|$))"
)
# "She started in September as Chief Digital Officer": the person is whoever "she" is
_PRONOUN_ARRIVAL_AS = re.compile(
    rf"\b(?:[Ss]he|[Hh]e)(?P<verb>(?:['’]s|\s+has)?\s+(?:just\s+|only\s+|recently\s+)?(?:joined|started|came\s+on\s*board"
    rf"|came\s+aboard|was\s+hired|was\s+appointed|{_WILL_JOIN}|{_STARTS_AS}))(?:\s+(?!as\b)[^.;:]{{0,40}}?)?\s+as\s+"
    rf"{_OUR_ARTICLE}(?P<title>)"
)
_NEW_HIRE_NAME = re.compile(rf"(?<!\bour )(?<!\byour )\b(?i:new\s+hire|newly\s+hired)[,:]?\s+(?P<name>{_NAME})")
_NAME_THE_NEW_TITLE = re.compile(rf"(?P<name>{_NAME}){_EMPH},\s+(?:(?:the|their|its|our)\s+)?new\s+(?P<title>)")
_FIRST_PERSON_ARRIVAL = re.compile(
    r"\bI(?:['’]ve| have)?\s+(?:just\s+|recently\s+|only\s+)?(?:joined|started|came\s+on\s*board"
    r"|taken\s+over|took\s+over)"
    r"(?:\s+(?!as\b)[^.;:]{0,30}?)?\s+as\s+" + _ARTICLE + r"(?P<title>)"
    r"|\bI['’]m\s+the\s+new\s+(?P<title2>)",
    re.IGNORECASE,
)


_OURS_BEFORE = re.compile(r"\bour\s+(?:new\s+)?$")  # "our new SE" in our own notes is one of us


def arrival_cues(sentence: str, *, customer_voice: bool = False) -> list[Cue]:
    """Someone joined the organization, with the title they joined as when the sentence gives it.

    "Priya Nair joined as VP of Data", "they hired Omar Haddad as CFO", "the new CISO, Dana Kim",
    and in a transcript the speaker's own "I just joined as head of procurement". Notes are
    written by our side, so "our new SE" there is one of us; with `customer_voice` (a
    customer speaking on a call) "our" is the customer's own organization.
    """
    cues: list[Cue] = []
    for pattern in (_ARRIVAL_AS, _HIRED_AS, _NAME_THE_NEW_TITLE):
        for m in pattern.finditer(sentence):
            if not customer_voice and _OURS_BEFORE.search(sentence[: m.end("title")]):
                continue
            title = title_at(sentence, m.end("title"))
            name = clean_name(m.group("name"))
            if name and not is_hedged(sentence, m.start()):
                cues.append(Cue(m.start(), m.end(), title, name=name))
    for m in [*_NEW_TITLE_NAME.finditer(sentence), *_NEW_TITLE_ARRIVING_NAME.finditer(sentence)]:
        title = m.group("title")
        name = clean_name(m.group("name"))
        if is_title(title) and name and not is_hedged(sentence, m.start()):
            cues.append(Cue(m.start(), m.end(), title, name=name))
    for pattern in (_ARRIVAL_PLAIN, _NEW_HIRE_NAME):
        for m in pattern.finditer(sentence):
            name = clean_name(m.group("name"))
            if name and not any(c.name == name for c in cues) and not is_hedged(sentence, m.start()):
                cues.append(Cue(m.start(), m.end(), None, name=name))
    for m in _PRONOUN_ARRIVAL_AS.finditer(sentence):
        title = title_at(sentence, m.end("title"))
        ours = not customer_voice and _OURS_BEFORE.search(sentence[: m.end("title")])
        if title and not is_hedged(sentence, m.start()) and not ours:
            cues.append(Cue(m.start("verb"), m.end(), title))  # after the pronoun, which names who
    for m in _FIRST_PERSON_ARRIVAL.finditer(sentence):
        group = "title" if m.group("title") is not None else "title2"
        title = title_at(sentence, m.end(group))
        if title and not re.search(r"\b(?:your|our)\s+$", sentence[: m.end(group)]):
            cues.append(Cue(m.start(), m.end(), title, first_person=True))
    return cues


# A person introduced with their title, in any order: "Carsten Wilke, the new CTO", "Jonas Weber
# (Director of IT)", "Ben Carter — he's Halden's new COO", "hired a VP Data, Nadia Kowalski",
# "Halden's Security Architect Leo Fontaine". The title must read as a title and the name as a
# full name; "our" in our own notes, or another organisation's possessive, makes them not the
# customer's. "new", "incoming", "interim", "acting" or a joining verb nearby make it an arrival.
_LEAD_WORD = (
    r"(?:(?i:the|their|its|a|an|our|new|newly\s+(?:hired|appointed|named)|freshly\s+hired|recently\s+hired|incoming"
    r"|interim|acting)|[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2}['’]s?)"
)
_NAME_THEN_TITLE = re.compile(
    rf"(?P<name>{_NAME}){_EMPH}\s*(?:,|\(|\s[—–-]|:)\s*(?:(?:who|he|she)\s*(?:is|['’]s)\s+|(?:is|was)\s+)?"
    rf"(?P<lead>(?:{_LEAD_WORD}\s+){{0,4}})(?P<title>)"
    rf"|(?P<name2>{_NAME}){_EMPH}\s+(?:is|was|as)\s+(?P<lead2>(?:{_LEAD_WORD}\s+){{0,4}})(?P<title2>)"
)
_LEAD_BEFORE = re.compile(rf"(?:^|[\s(])(?P<lead>(?:{_LEAD_WORD}\s+){{1,4}})$")
_NEWNESS = re.compile(
    r"\b(?:new|newly|freshly|recently\s+hired|incoming|interim|acting|replac\w*|successor|took\s+over|taking\s+over"
    r"|joined|joins|started|starts|hired|appointed|came\s+on\s*board|onboarded)\b",
    re.IGNORECASE,
)


def _title_before(sentence: str, end: int) -> tuple[int, str, str] | None:
    """(start, title, lead words) of a title that ends right where a name begins ("a new VP Data, ")."""
    before = sentence[:end].rstrip(" ,:—–-*_")
    for word in list(re.finditer(r"\S+", before))[-7:]:
        first = word.group()
        lead = _LEAD_BEFORE.search(before[: word.start()])
        starts_title = first[:1].isupper() or first.lower() in TITLE_WORDS or bool(lead)
        if re.fullmatch(_LEAD_WORD, first) or re.search(r"['’]s?$", first) or not starts_title:
            continue  # a title starts with a capital or a title word, or after "the", "new", "Halden's"
        title = title_at(before, word.start())
        if title and len(title.split()) == len(before[word.start() :].split()):
            return word.start(), title, lead.group("lead") if lead else ""
    return None


def _person_name(text: str, not_names: frozenset[str]) -> str | None:
    """A captured full name, if every word is shaped like a name word and none is the account's word for a
    team, product or company ("Customer Operations", "Secure Share", "Real SKUs")."""
    name = clean_name(text)
    words = name.split() if name else []
    if not name or any(w.lower() in not_names or not (w[1:2].islower() or w[1:2] in "'’") for w in words):
        return None
    return name


def _full_names(text: str, not_names: frozenset[str]) -> list[str]:
    """The full names a sentence gives, whether or not the directory knows them."""
    return [name for m in re.finditer(_NAME, text) if (name := _person_name(m.group(), not_names))]


# leaving the customer by its name: "left Fraser & Kline at the end of July" (read where the name is the customer's)
_LEFT_ORG = re.compile(
    r"\b(?:has\s+|had\s+|just\s+)?left\s+(?P<org>(?-i:[A-Z])[\w.\-]*(?:\s+(?:&\s+)?(?-i:[A-Z])[\w.\-]*){0,3})"
    r"(?!\s+(?:a|an|some|our|the|two|three|several)\b)"  # "left Fraser & Kline a voicemail": something left with them
)


def _customer_org(orgs: Sequence[str], customer: Sequence[str]) -> bool:
    return all(names_any(o, customer) or any(names_any(c, [o]) for c in customer) for o in orgs)


_ORG = r"(?P<org>[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2})"
_ORG_AFTER = re.compile(r"^\s*(?:at|from|with|of)\s+" + _ORG)
_AT_ORG = re.compile(r"^\s*(?:at|with)\s+" + _ORG)  # where someone works now, not where they came from


def _elsewhere(after_title: str, customer: Sequence[str]) -> bool:
    """Whether the words after a title place it at another organisation than the customer."""
    org = _AT_ORG.match(after_title)
    return bool(customer and org and not _customer_org([org.group("org")], customer))


# Someone introduced after a partner, vendor or other company is named is that company's person.
_THIRD_PARTY = re.compile(
    r"\b(?:partners?|integrators?|consultan(?:t|ts|cy|cies)|contractors?|vendors?|resellers?|auditors?)\b"
    rf"|\b[A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){{0,3}}\s+(?-i:{'|'.join(_COMPANY_FORMS)})\b",
    re.IGNORECASE,
)


def titled_person_cues(
    sentence: str,
    *,
    customer_voice: bool = False,
    customer: Sequence[str] = (),
    not_names: frozenset[str] = frozenset(),
) -> list[Cue]:
    """People introduced with a title; weight 2 when the sentence says they are new, else 1."""
    cues: list[Cue] = []

    def keep(start: int, end: int, name_text: str, title: str | None, lead: str) -> None:
        name = _person_name(name_text, not_names)
        if not name or not title or is_hedged(sentence, start):
            return
        if re.search(r"\bour\b", lead, re.IGNORECASE) and not customer_voice:
            return  # our own colleague, in our own notes
        if any(not _customer_org([m.group()], customer) for m in _THIRD_PARTY.finditer(sentence[:start])):
            return  # "Our implementation partner Nordic Systems assigned Erik Holm as project manager"
        orgs = re.findall(r"([A-Z][\w&.\-]*(?:\s+[A-Z][\w&.\-]*){0,2})['’]s?(?=\s)", lead)
        orgs = [o for o in orgs if o.lower() not in ("the", "their", "its", "a", "an", "our", "new")]
        at = sentence.lower().find(title.lower(), start)
        if at >= 0 and (after := _ORG_AFTER.match(sentence[at + len(title) :])):
            orgs.append(after.group("org"))
        if customer and orgs and not _customer_org(orgs, customer):
            return  # another organisation's person
        head, _, tail = title.partition(", ")
        if tail and customer and _customer_org([tail], customer):
            title = head  # "VP Infrastructure & Operations, Acute Care": the unit is where, not what
        elif tail and customer and tail[:1].isupper() and not is_title(tail) and tail.lower() not in not_names:
            return  # "Rob Kettering, Account Executive, Quorvel": a title at another organisation
        for org in sorted(customer, key=len, reverse=True):  # "Bramblecourt COO": the company is whose, not what
            if title.lower().startswith(org.lower() + " ") and is_title(title[len(org) + 1 :]):
                title = title[len(org) + 1 :]
                break
        new = bool(_NEWNESS.search(lead) or _NEWNESS.search(sentence))
        cues.append(Cue(start, end, title, 2 if new else 1, name=name))

    for m in _NAME_THEN_TITLE.finditer(sentence):
        group = "title" if m.group("name") else "title2"
        keep(
            m.start(),
            m.end(group),
            m.group("name") or m.group("name2"),
            title_at(sentence, m.end(group)),
            m.group("lead") or m.group("lead2") or "",
        )
    # Every place a name may start, overlapping: in "New COO Fiona Castellane" the name is the last two words.
    for m in re.finditer(rf"(?<![\w'’\-])(?=(?P<name>{_NAME}))", sentence):
        name_end = m.start() + len(m.group("name"))
        if any(c.start <= m.start() < c.end for c in cues) or _person_name(m.group("name"), not_names) is None:
            continue
        if found := _title_before(sentence, m.start()):
            start, title, lead = found
            keep(start, name_end, m.group("name"), title, lead)
    return cues


_TITLE_CHANGE = re.compile(
    r"\b(?:was\s+|has\s+been\s+|got\s+|just\s+got\s+|been\s+)?(?:promoted|elevated|moved\s+up)\s+to\s+" + _ARTICLE
    + r"|\b(?:was|has\s+been|got)\s+(?:named|appointed|made)\s+(?:as\s+)?" + _ARTICLE
    + r"|\b(?:took|takes|has\s+taken|is\s+taking|stepped|steps|has\s+stepped|stepping)\s+(?:over|up|in"
      r"|into\s+the\s+role\s+of)\s+(?:as\s+)?" + _ARTICLE
    + r"|\b(?:is|was)\s+now\s+(?:the\s+|their\s+)?(?:new\s+)?(?:\*\*|__)?(?=[A-Z])"
    + r"|\bnow\s+serves\s+as\s+" + _ARTICLE
    + r"|\bnew\s+(?:role|title|position)\s+(?:as|of)\s+" + _ARTICLE
    + r"|\b(?:became|becomes|has\s+become)\s+" + _ARTICLE
    + r"|\bmoved\s+into\s+(?:the\s+)?(?=[A-Z][^.]*\s+role\b)"
    + r"|\b(?:been|were|is|gets)\s+(?:named|appointed|made|elevated\s+to|promoted\s+to)\s+(?:as\s+)?" + _ARTICLE
    + r"|\bconfirmed\s+as\s+" + _ARTICLE
    + r"|\bnew\s+(?:role|title|position|job)\s*[:\-–—]\s*"
    + r"|\b(?:title|role|job)\s+is\s+now\s+" + _ARTICLE
    + r"|(?:(?<=\w\s)|(?<=[—–\-,:]\s))now\s+['‘\"]?(?=[A-Z])"
    + r"|\b(?:is|['’]s)\s+still\s+(?:the\s+)?(?=[A-Z])"
    # "Venkat, who as of this month is our Director of ...", "from 1 June he is Chief Operating Officer"
    + r"|\b(?:who|he|she)(?:\s+[\w-]+){0,4}?\s+is\s+(?:now\s+)?(?:(?:our|the|their|its)\s+)?(?:new\s+)?(?-i:(?=[A-Z]))"
    # "Her new title in the email signature is "Director of Revenue, Iberia"", "her title now reads VP"
    + r"|\b(?:title|job\s+title)\b[^.;]{0,40}?\b(?:is|reads)\s+(?:now\s+)?['‘“\"]?(?-i:(?=[A-Z]))",
    re.IGNORECASE,
)
# "Sam Pickering got the contact centre manager job", "Dana landed the Head of IT role"
_GOT_THE_JOB = re.compile(
    r"\b(?:got|landed|secured|(?:was|has\s+been)\s+given)\s+the\s+(?P<title>(?:[\w&/-]+\s+){0,5}?[\w&/-]+)"
    r"\s+(?:job|role|position|post)\b",
    re.IGNORECASE,
)
# The speaker's own new title: "I've been named Chief Executive Officer", "my title is now ...".
_FIRST_PERSON_TITLE = re.compile(
    r"\bI(?:['’]ve|\s+have)?\s+(?:just\s+)?(?:been\s+)?(?:named|appointed|promoted\s+to|made)\s+(?:as\s+)?" + _ARTICLE
    + r"|\bmy\s+(?:new\s+)?(?:title|role|job)\s+is\s+(?:now\s+)?" + _ARTICLE
    + r"|\bI['’]m\s+now\s+(?:the\s+)?(?=[A-Z])",
    re.IGNORECASE,
)
# An email signature: "Elena Petrova | Group Finance Director | Halden Group".
_SIGNATURE = re.compile(rf"(?P<name>{_NAME})\s*[|·•]\s*(?P<title>[^|·•\n]{{2,80}}?)\s*(?:[|·•]|['’\"]|$)")


_SIGN_OFF = re.compile(
    r"(?:^|\s)--\s+|\b(?:regards|wishes|sincerely|cheers|thanks|gr(?:ü|ue)(?:ß|ss)en?|gr(?:ü|ue)(?:ß|ss)e|best)\s*[,!.]?\s+",
    re.IGNORECASE,
)
_NAME_REST = re.compile(r"^\s*(?:\([^)]{0,40}\)|--|(?P<word>[^\W\d_][\w'’-]*))\s*")
_TITLE_ENDS = re.compile(r"\s+[|·•>]\s*|\s+--?\s+")
_SIGN_OFF_WORDS = frozenset(
    {"best", "kind", "warm", "warmest", "many", "with", "mit", "freundlichen", "viele", "regards", "thanks", "and",
     "grüßen", "grüssen", "grüße", "grüsse"}
)


def signature_title(text: str, directory: Directory, customer: Sequence[str]) -> tuple[str, str] | None:
    """An email signature's title: a person's name, then their title, then perhaps their company — on lines of
    their own or run together where an export flattened them ("Ishikawa Yumi Manager, Corporate Procurement
    Dept. Sakurada Electronics Co., Ltd.", "Katrin Vogel Head of Supplier Quality Europe | Sakurada Europe")."""
    text = text.replace("*", "").strip()
    found = directory.find(text)
    if not found or found[0].start > 0:
        return None
    person = directory.people[found[0].key]
    own = set(name_tokens(person.name))
    rest = text[found[0].end :]
    while (lead := _NAME_REST.match(rest)) and (
        lead.group("word") is None or set(name_tokens(lead.group("word"))) <= own
    ) and lead.end() > 0:  # the rest of the name ("Ishikawa Yumi"), a "(佐藤 由紀)", a repeat after "--"
        rest = rest[lead.end() :]
    if rest.lstrip().startswith(","):
        return None  # "Kofi Mensah, CFO" is a note's label, as old as the note; a signature has no comma
    rest = _TITLE_ENDS.split(rest, maxsplit=1)[0]
    for org in customer:  # the company's name ends the title: "Director, Customer Quality Sakurada Americas"
        if (at := rest.find(org)) > 0:
            rest = rest[:at]
    rest = rest.strip(" ,.")
    title = title_at(rest, 0) if 0 < len(rest.split()) <= 8 else None
    if title is None or title_key(title) != title_key(rest):
        return None  # a line that says more than a title ("Manager, and happy to help") is no signature
    return found[0].key, title


def _hedged_in_clause(sentence: str, start: int) -> bool:
    """Hedged within its own clause: "Marcus, formerly CFO, has been appointed ..." is not hedged by "formerly"."""
    clause = re.split(r"[,;:—–]", sentence[:start])[-1]
    return is_hedged(clause, len(clause))


def title_change_cues(sentence: str) -> list[Cue]:
    """A known person's new title: "was promoted to CTO", "took over as Head of IT", "is now the CFO", the
    speaker's "I've been named CEO", and an email signature's "Name | Title | Company"."""
    cues = []
    for m in _FIRST_PERSON_TITLE.finditer(sentence):
        title = title_at(sentence, m.end())
        if title and not _hedged_in_clause(sentence, m.start()):
            cues.append(Cue(m.start(), m.end(), title, first_person=True))
    for m in _TITLE_CHANGE.finditer(sentence):
        title = title_at(sentence, m.end())
        spoken = any(c.start <= m.start() < c.end + 40 for c in cues)  # the speaker's own cue already has it
        if title and not _hedged_in_clause(sentence, m.start()) and not spoken:
            cues.append(Cue(m.start(), m.end(), title))
    for m in _GOT_THE_JOB.finditer(sentence):
        title = m.group("title")
        if is_title(title) and not _hedged_in_clause(sentence, m.start()):
            if title.islower():
                title = " ".join(w if w in _TITLE_KEEP_LOWER else w[:1].upper() + w[1:] for w in title.split())
            cues.append(Cue(m.start("title"), m.end("title"), title))
    for m in _SIGNATURE.finditer(sentence):
        title = m.group("title").strip(" '\"’")
        if is_title(title) and len(title.split()) <= 8:
            cues.append(Cue(m.start("title"), m.end("title"), title, name=m.group("name")))
    return cues


_REPORTS_TO = re.compile(
    rf"\b(?:now\s+)?reports?\s+(?:directly\s+)?(?:in)?to\s+(?P<name>{_NAME}|{_NAME_WORD})"
    rf"|\b(?:reporting|moved\s+under|now\s+under)\s+(?:directly\s+)?(?:to\s+)?(?P<name2>{_NAME}|{_NAME_WORD})"
)


def reports_to_cues(sentence: str) -> list[Cue]:
    """Who someone reports to: "now reports to Jennifer Wu"; the cue's value is the manager's name."""
    cues = []
    for m in _REPORTS_TO.finditer(sentence):
        name = m.group("name") or m.group("name2")
        if name and not is_hedged(sentence, m.start()):
            cues.append(Cue(m.start(), m.end(), name))
    return cues


# Buying roles said in words (DESIGN.md buying_role: "owns the business case" → business_owner,
# "approves every commitment above $500k" → economic_buyer). One family per role, written from
# the definitions — who holds the money, owns the outcome, judges the fit, sponsors, buys, uses.
_EVALUATION = (
    r"(?:(?:[\w-]+\s+){0,2}(?:evaluation|eval|review|assessment|poc|proof\s+of\s+concept|pilot|checklist"
    r"|bake-?off|due\s+diligence|scoring|shortlist|selection\s+criteria|vendor\s+selection))"
)
_TAKES_OVER = r"(?:took|takes|taking|has\s+taken)\s+over|inherited|inherits|picked\s+up|picks\s+up"
_ROLE_RULES: tuple[tuple[BuyingRole, str], ...] = (
    (BuyingRole.economic_buyer, r"\b(?:owns?|controls?|holds?|has|manages?|" + _TAKES_OVER + r")\s+"
                                r"(?:the\s+|their\s+|his\s+|her\s+)?(?:[\w-]+\s+)?(?:budget|purse\s+strings|money|spend)\b"),
    (BuyingRole.economic_buyer, r"\bsigns?\s+off\s+on\b|\b(?:will|['’]ll)\s+sign\s+off\b|\bbudget\s+(?:owner"
                                r"|holder)\b|\bfinal\s+(?:[\w-]+\s+)?(?:say|sign-?off|call|decision|approval|word)\b"
                                r"|\bapproves?\s+(?:every|all|any|the)\s+(?:[\w$-]+\s+){0,3}?(?:commitment|spend"
                                r"|purchase|contract|deal|budget|po|order|investment)s?\b"
                                r"|\b(?:the\s+)?(?:economic\s+buyer|decision[- ]maker|budget\s+approver)\b"
                                r"|\bdecides\s+(?:on\s+)?(?:the\s+)?(?:budget|purchase|deal|vendor)\b"
                                # "signs the Irish order form", "it's Ciarán's signature that goes on the contract"
                                r"|\bsign(?:s|ed|ing)?\s+(?:the\s+|every\s+|all\s+|our\s+)?(?:[\w-]+\s+){0,2}?(?:order\s+forms?"
                                r"|contracts?|purchase\s+orders?|pos?|cheques?|checks?|agreements?)\b"
                                r"|['’]s\s+signature\b|\bsignature\s+(?:that\s+)?goes\s+on\b"),
    (BuyingRole.business_owner, r"\b(?:owns?|" + _TAKES_OVER + r")\s+the\s+(?:[\w-]+\s+){0,2}?"
                                r"(?:busines+\s+case|outcome|roll-?out|program(?:me)?|initiative|process|kpis?|p&l|use\s+case)\b"
                                # whoever writes the business case owns it: "I'm writing the business case myself"
                                r"|\b(?:writ(?:es|ing|ten)|wrote|build(?:s|ing)?|built|draft(?:s|ed|ing)?|putting\s+together"
                                r"|puts\s+together)\s+(?:the|our|their|a|his|her)\s+(?:[\w-]+\s+){0,2}?busines+\s+case\b"
                                r"|\bbusiness\s+(?:owner|lead|sponsor)\b"
                                r"|\baccountable\s+for\s+the\s+(?:outcome|results|roll-?out|benefits)\b"),
    (BuyingRole.technical_evaluator, r"\b(?:runs?|leads?|leading|running|owns?|chairs?|does|doing|sits?\s+on"
                                     r"|is\s+on|" + _TAKES_OVER + r")\s+the\s+" + _EVALUATION + r"\b"
                                     r"|\b(?:our|the)\s+(?:technical\s+)?evaluator\b|\btechnical\s+buyer\b"
                                     r"|\bscores?\s+the\s+vendors\b|\bevaluation\s+(?:panel|committee|team)\b"),
    (BuyingRole.executive_sponsor, r"\b(?:exec(?:utive)?[- ]level\s+)?sponsor(?:s|ing|ed)?\s+(?:this|it|the\s+"
                                   r"(?:project|program(?:me)?|initiative|deal|rollout))\b|\bexec(?:utive)?\s+sponsor\b"
                                   r"|\bchairs?\s+the\s+steer\w*\s+(?:group|committee|board)\b"),
    (BuyingRole.procurement, r"\b(?:runs?|running|leads?|leading|owns?|manages?|handles?|handling)\s+the\s+"
                             r"(?:tender|rfp|rfq|procurement|sourcing\s+(?:process|event)|commercials|contract"
                             r"\s+negotiation|negotiation)\b|\bnegotiat\w+\s+(?:the\s+)?(?:contract|terms|price)\b"),
    (BuyingRole.end_user, r"\buses?\s+(?:it|the\s+(?:tool|product|platform|app|system))\s+(?:daily|every\s+day)\b"
                          r"|\b(?:day-to-day|daily|power|end|real|actual|main|primary|heavy)\s+users?\b"
                          # "sit in the dashboards all day, every day", "would be living in Restock every day"
                          r"|\b(?:uses?|using|used|live|lives|living|sits?|sitting|works?|working)\s+(?:in\s+|with\s+|on\s+)?"
                          r"(?:[\w-]+\s+){0,3}?(?:all\s+day|every\s+(?:single\s+)?day|daily|day\s+in,?\s+day\s+out)\b"),
)
_ROLE_PATTERNS = [(role, re.compile(rx, re.IGNORECASE)) for role, rx in _ROLE_RULES]


# "The decision maker for Finance is Henrik", "final approval sits with Elena": the person comes after.
_NAMED_AFTER = re.compile(
    rf"^[^.;:]{{0,60}}?\b(?:is|=|sits\s+with|rests\s+with|lies\s+with|goes\s+to)\s+(?P<name>{_NAME}|{_NAME_WORD})"
)


# A role named as a noun ("the decision maker", "exec sponsor") says something about a person only
# when the sentence links them: "Henrik is the decision maker", "the decision maker is Henrik",
# "Elena, our business owner", "Elena (budget holder)". "Priya reports to the decision maker" does not.
_ROLE_LABEL = re.compile(
    r"(?:economic\s+buyer|decision[- ]maker|budget\s+(?:approver|owner|holder)|business\s+(?:owner|lead|sponsor)"
    r"|exec(?:utive)?\s+sponsor|technical\s+buyer|evaluator|(?:day-to-day|daily|power|end)\s+user)s?\W*$",
    re.IGNORECASE,
)
_LINKED_BEFORE = re.compile(
    r"(?:\b(?:is|was|as|becomes|became|remains)|,|\(|[—–=-]|:)\s*(?:(?:the|our|their|a|an|his|her|real|main|final|new)\s+)*"
    r"(?:[\w-]+\s+)?$",
    re.IGNORECASE,
)


# "we're writing the business case": a team's doing, not a person's role
_WE_DO = re.compile(r"\bwe(?:['’]re|['’]ll|\s+are|\s+will)?\s+(?:\w+\s+)?$", re.IGNORECASE)


def role_cues(sentence: str) -> list[Cue]:
    """A buying role said in words: "owns the security budget", "signs off on the purchase"."""
    cues = []
    for role, pattern in _ROLE_PATTERNS:
        for m in pattern.finditer(sentence):
            if is_hedged(sentence, m.start()) or _WE_DO.search(sentence, 0, m.start()):
                continue
            after = _NAMED_AFTER.match(sentence[m.end() :])
            name = after.group("name") if after and not re.search(r"\b(?:is|are)\b", m.group(), re.I) else None
            label = _ROLE_LABEL.search(m.group())
            if label and not name and not _LINKED_BEFORE.search(sentence[: m.start() + label.start()]):
                continue
            cues.append(Cue(m.start(), m.end(), role, name=name))
    return cues


# Purchasing as titles name it, in English and in the languages of the accounts we see: "Category Manager, IT",
# "Contracts Administrator", "Jefe de Compras", "Senior Einkäufer", "Responsable Achats", "Inkoper".
_PROCUREMENT_TITLE = re.compile(
    r"\b(?:procurement|purchasing|purchaser|sourcing|vendor\s+management|supplier\s+(?:management|relationship)"
    r"|buyer|category\s+(?:manager|management|lead|director)|contracts?\s+(?:manager|management|administrator|officer"
    r"|lead|specialist)|contracting\s+officer|compras|adquisiciones|aprovisionamiento|einkauf\w*|eink[äa]ufer\w*"
    r"|beschaffung|achats?|acheteu(?:r|se)|approvisionnement|acquisti|approvvigionament[oi]|inkoop|inkoper|zakup\w*"
    r"|inköp\w*|indkøb\w*|innkjøp\w*)\b",
    re.IGNORECASE,
)


def role_from_title(title: str | None) -> BuyingRole | None:
    """Procurement people are named by their titles ("Strategic Sourcing Manager"); other roles are not."""
    return BuyingRole.procurement if title and _PROCUREMENT_TITLE.search(title) else None


def role_by_title(title: Fact) -> Fact | None:
    """The buying role a title fact implies, citing the title (DESIGN.md: with no role record, purchasing people are
    `procurement`)."""
    role = role_from_title(str(title.value))
    return Fact(role, title.citations, 0.7, f"title {title.value}") if role else None


# Stance is composed from signal families, per DESIGN.md's definitions: a champion sells for us
# when we are not in the room (advocacy of us, not refused); a coach gives inside information;
# a supporter is positive, or explicitly will not sell for us; a detractor opposes us or prefers
# someone else; a neutral person is engaged with no clear signal. Each family is words, not
# sentences: which sentence they sit in decides nothing but the subject.
_OURS = (
    r"(?:us|our|ours|it|this|the\s+(?:deal|renewal|expansion|proposal|business\s+case|pilot|project|platform|product"
    r"|solution|upgrade|purchase|rollout|migration|budget|case))"
)
_ADVOCACY = re.compile(
    r"\b(?:pitch(?:ed|es|ing)?|present(?:ed|s|ing)?|recommend(?:ed|s|ing)?|champion(?:ed|s|ing)|sponsor(?:ed|s|ing)"
    r"|push(?:ed|es|ing)?(?:\s+hard)?\s+for|lobb(?:y|ied|ies|ying)(?:\s+for)?|sold|sell(?:s|ing)?|vouch(?:ed|es|ing)?\s+for"
    r"|(?:went|goes|go|going)\s+(?:in(?:to|\s+to)\s+|to\s+)bat\s+for|fought\s+for|fight(?:s|ing)?\s+for|argu(?:ed|es|ing)\s+for"
    r"|made\s+the\s+case\s+for|mak(?:es|ing)\s+the\s+case\s+for|defend(?:ed|s|ing)|advocat(?:e|ed|es|ing)(?:\s+for)?"
    r"|evangeli[sz](?:ed|es|ing)|rall(?:y|ied|ies|ying)\s+(?:support\s+)?(?:for|behind)|socialis(?:ed|es|ing)"
    r"|socializ(?:ed|es|ing)|talk(?:ed|s|ing)\s+up|forward(?:ed|s|ing)|put\s+(?:us|it)\s+forward|back(?:ed|s|ing)"
    r"|promot(?:ed|es|ing))\b",
    re.IGNORECASE,
)
_ADVOCACY_LABEL = re.compile(
    r"\b(?:our|internal|real|true|a\s+(?:real|true|genuine|strong))\s+(?:champion|advocate|evangelist|ally|sponsor)\b"
    r"|\b(?:biggest|strongest|most\s+vocal|best)\s+(?:fan|advocate|supporter|ally|champion)\b"
    r"|\bwhen\s+we(?:['’]re|\s+are|\s+were|\s+weren['’]t|\s+are\s+not|\s+were\s+not)\s+(?:not\s+)?(?:in\s+the\s+room|there)\b"
    r"|\bwe\s+(?:weren['’]t|were\s+not)\s+(?:invited|there|in\s+the\s+room)\b|\bon\s+(?:her|his|their)\s+own\b"
    r"|\b(?:herself|himself)\b|\bin\s+our\s+corner\b",
    re.IGNORECASE,
)
_AUDIENCE = re.compile(
    r"\bto\s+(?:the\s+|her\s+|his\s+|their\s+)?(?:board|cfo|ceo|cio|cto|coo|ciso|leadership|execs?|executives?|boss"
    r"|committee|steering|directors?|managers?|team|peers|colleagues|business|budget\s+round)\b"
    r"|\bat\s+the\s+\w+\s+(?:offsite|meeting|committee|review|board)\b|\binternally\b|\bon\s+our\s+behalf\b",
    re.IGNORECASE,
)
# Carrying our material to the people who decide: "took our one-pager to the executive committee", "wants it in
# front of the ExCo", "brought the business case to the board".
_DECIDERS = (
    r"(?:the\s+|her\s+|his\s+|their\s+)?(?:board|exco|exec(?:utive)?s?(?:\s+(?:committee|team|meeting))?|cfo|ceo|coo|cio"
    r"|leadership(?:\s+team)?|management(?:\s+team)?|steering(?:\s+(?:group|committee))?|investment\s+committee"
    r"|budget\s+(?:committee|round|meeting)|slt|elt)\b"
)
_CARRIED = re.compile(
    r"\b(?:took|takes|taking|taken|take|brought|brings|bringing|carried|carries|put|puts|putting|wants?\s+(?:it|them))\s+"
    r"(?:(?:it|this|them|our|the)\s+)?(?:[\w-]+\s+){0,3}?(?:to|in\s+front\s+of|before)\s+" + _DECIDERS,
    re.IGNORECASE,
)
_INSIDE = re.compile(
    r"\boff\s+the\s+record\b|\bbetween\s+(?:us|you\s+and\s+me|ourselves)\b|\bconfidential(?:ly)?\b|\bin\s+confidence\b"
    r"|\bheads[- ]up\b|\btip(?:ped|s)?\s+(?:us|me)\b(?:\s+off\b)?|\btip-?off\b"
    r"|\binside\s+(?:info\w*|track|view|scoop)\b"
    r"|\bback[- ]?channel\b|\b(?:warned|warns)\s+(?:us|me)\b|\bunofficially\b|\bquietly\b|\bprivately\b"
    r"|\b(?:shared|shares|sharing|passed|leaked|sent|gave|gives)\s+(?:us\s+|me\s+)?(?:\w+\s+){0,2}?(?:pricing|quote|bid"
    r"|org\s+chart|decision\s+criteria|scoring|budget|numbers|shortlist|evaluation\s+matrix)\b"
    r"|\b(?:keeps\s+(?:us|me)|keep(?:ing)?\s+us|keeping\s+me)\s+(?:posted|informed|in\s+the\s+loop)\b"
    r"|(?<!business\s)(?<!artificial\s)(?<!market\s)(?<!competitive\s)\bintel(?:ligence)?\b"
    r"|\bwhat['’]s\s+(?:really\s+)?going\s+on\b|\bhow\s+the\s+\w+\s+(?:thinks|works|decides)\b|\bcoach(?:es|ed|ing)?\s+(?:us|me)\b"
    r"|\b(?:our|a)\s+coach\b|\bif\s+you\s+want\s+to\s+(?:counter|win|beat)\b",
    re.IGNORECASE,
)
# Work for us inside their organisation, said in everyday words (counted where what follows names us or what we
# sell, and what was said is not against us): telling, convincing or walking through our case the people who decide
# ("I told the partners that Ravenglass paid for itself", "convinced her plant manager"), finding the money
# ("moved the money from the retention line into your project"), writing the paper ("wrote the sole-source
# justification for you guys myself"), and fighting for us ("I've been fighting for you in every budget meeting").
_INSIDE_WORK = re.compile(
    r"\b(?:told|tell(?:s|ing)?|explain(?:ed|s|ing)\s+to|convinc(?:ed|es|ing)|persuad(?:ed|es|ing)|talked|briefed"
    r"|pre-?wired|walk(?:ed|s|ing)|push(?:ed|es|ing)|recommend(?:ed|s|ing)\s+to|report(?:ed|s|ing)\s+to)\s+"
    r"(?:the\s+|my\s+|our\s+|her\s+|his\s+|their\s+|every\s+|all\s+the\s+|the\s+other\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:board|cfo|ceo|cio|cto|coo|ciso|cmo|gc|leadership|execs?|executives?|boss|committee|steering\s+\w+|directors?"
    r"|partners|deans|vps?|svp|evp|gms|heads?\s+of\s+\w+|leads|managers?|colleagues|counterparts?|peers|finance"
    r"|procurement|works\s+council|headquarters?|hq|sites|everybody|everyone|chairs?)\b"
    r"|\b(?:moved|pulled|found|freed\s+up|ring-?fenced|secured|reallocated|shifted)\s+(?:the\s+)?(?:[\w-]+\s+){0,2}?"
    r"(?:money|budget|funding|funds|[$£€]\s?\d[\d.,]*\s*(?:k|m|million)?)(?!\w)"
    r"|\b(?:wrote|written|rewrote|drafted)\s+(?:the\s+|an?\s+|our\s+|their\s+)?(?:internal\s+|own\s+)?"
    r"(?:sole[- ]source\s+justification|recommendation(?:\s+memo)?|business\s+case|justification(?:\s+memo)?|memo"
    r"|decision\s+paper|budget\s+req(?:uest)?)\s+for\b"
    r"|\b(?:fight(?:s|ing)?|fought|argu(?:es|ed|ing)|lobb(?:y|ies|ied|ying)|batting)\s+for\s+(?:you|us)\b",
    re.IGNORECASE,
)
# The customer's words for us; narrower than _OURS, whose "it" and "this" name whatever was just mentioned. In our
# own note, log or email "our" is us too.
_US_OR_YOU = re.compile(r"\b(?:you|your|yourselves|us)\b", re.IGNORECASE)
_US_OR_OUR = re.compile(r"\b(?:you|your|yourselves|us|our)\b", re.IGNORECASE)
_OUR = re.compile(r"\bour\b", re.IGNORECASE)
# "told his director that he no longer trusts our hosting": what was said inside is against us
_AGAINST = re.compile(r"\b(?:not|no|never|nothing|instead|rather|against|prefer\w*)\b|n['’]t\b", re.IGNORECASE)
_IF_BEFORE = re.compile(r"\b(?:if|unless)\b(?:\s+\S+){0,3}$", re.IGNORECASE)


def _said_against(text: str) -> bool:
    """Whether what was said is against us; a negation in a condition ("if we don't fund it we'll regret it") is not."""
    return any(not _IF_BEFORE.search(text, 0, m.start()) for m in _AGAINST.finditer(text))

# standing up for us: "she defended us when the CFO complained", "came in swinging for us"
_DEFENDS_US = (
    r"\b(?:defend(?:s|ed|ing)?|stood\s+up\s+for|stands?\s+up\s+for|standing\s+up\s+for|stuck\s+up\s+for"
    r"|(?:came|come|comes|coming)\s+in\s+swinging\s+for)\s+(?:us|you)\b"
)
_DEFENDED = re.compile(_DEFENDS_US, re.IGNORECASE)
_PUSHED_AWAY = re.compile(r"\s+(?:out|aside|back|away|off)\b", re.IGNORECASE)  # "we pushed Frostlog out of the deal"
# The writer's own aside to whoever reads the note: inside information only when a customer says it.
_WRITERS_ASIDE = re.compile(r"between\s+(?:us|you\s+and\s+me|ourselves)", re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:won['’]t|will\s+not|wo\s+not|can['’]t|cannot|can\s+not|couldn['’]t|not\s+going\s+to|isn['’]t\s+going\s+to"
    r"|doesn['’]t\s+want\s+to|don['’]t\s+want\s+to|refuses?\s+to|wouldn['’]t|not\s+(?:able|allowed)\s+to|no\s+way\s+(?:I|she|he)['’]?ll?"
    # "I am not the right person to push Kumamoto for you", "don't expect me to lobby Nadia"
    r"|not\s+the\s+(?:right\s+)?(?:person|one)\s+to|(?:don['’]t|do\s+not)\s+expect\s+(?:me|us|her|him|them)\s+to)"
    # "will not go to the board and fight for it": the refusal reaches over the errand to the verb it negates
    r"\s+(?:\w+\s+){0,6}?(?:sell(?:ing)?|advocat(?:e|ing)|push(?:ing)?|champion(?:ing)?|present(?:ing)?|back(?:ing)?"
    r"|speak\s+up|stick\s+(?:my|her|his)\s+neck\s+out|be\s+(?:your|the|a|our)\s+(?:sales\s*(?:person|man|woman|rep)|seller"
    r"|champion|advocate)|be\s+seen|take\s+sides|lobby(?:ing)?|endors(?:e|ing)|make\s+the\s+(?:push|case)|pitch(?:ing)?"
    r"|recommend(?:ing)?|fight(?:ing)?|stand\s+up"
    r"|go\s+(?:to\s+war|into\s+battle|in(?:to)?\s+to\s+bat|to\s+bat|out\s+on\s+a\s+limb))\b"
    r"|\bnot\s+the\s+presenting\s+type\b|\b(?:have|has|need|needs)\s+to\s+(?:look|stay|be|remain)\s+(?:impartial|neutral)\b"
    r"|\bstay\s+out\s+of\b|\bwon['’]t\s+be\s+(?:our|your|the)\s+(?:champion|advocate)\b"
    r"|\bnot\s+(?:a|your|the)\s+(?:presenter|sales\s*(?:person|man|woman|guy|rep)|seller|cheerleader|spokes\w+)\b"
    r"|\b(?:that['’]s|it['’]s|that\s+is|it\s+is)\s+not\s+my\s+(?:fight|battle|place)\b"
    r"|\byou\s+do\s+the\s+selling\b|\bthat['’]s\s+your\s+job\b",
    re.IGNORECASE,
)
_FIRST_PERSON_REFUSAL = re.compile(r"\b(?:I|me|I['’]m|I['’]ll|I['’]d|my)\b")
_GLAD = r"(?:happy|pleased|keen|excited|glad|delighted|thrilled|chuffed|stoked)"
_GLAD_WORD = re.compile(rf"\b{_GLAD}\b", re.IGNORECASE)
_POSITIVE = re.compile(
    r"\b(?:likes?|liked|liking|loves?|loved|loving|enjoy(?:s|ed)?|appreciat(?:es|ed|ing)|values?|valued)\s+(?:it|us|the|our|what|how|this|working)\b"
    # glad of us, not wishing a happy new year
    rf"|\b{_GLAD}\b(?!\s+to\b)"
    r"(?!\s+(?:new\s+year|holidays?|christmas|easter|birthday|friday|monday|weekend|thanksgiving|diwali|eid)\b)"
    r"|\bback(?:s|ed|ing)?\s+you\b"
    r"|\b(?:impressed|satisfied|enthusiastic"
    r"|supportive|supporters?|fan\s+of|(?:a|big|huge)\s+fan|on\s+board|in\s+favou?r|thumbs[- ]up"
    r"|good\s+(?:product|results?"
    r"|experience|work|job|fit|tool|platform)|much\s+better|works?\s+(?:well|great|nicely)|sold\s+on\s+(?:us|it)"
    r"|warm(?:ed|ing)?\s+(?:up\s+)?to|receptive|open\s+to(?!\s+(?:the\s+)?(?:cloud|internet|public|web|outside|world|traffic))"
    r"|support(?:s|ed|ing)?\s+(?:us|the|our|it)"
    r"|(?:['’]m|am|['’]re|are|is|was|were|['’]s)\s+(?:all\s+|really\s+)?good\s+with\s+(?:this|it|that|the|your))\b",
    re.IGNORECASE,
)
# A mind changed our way, which says the earlier doubt is over: "he has come round", "she was won over by the pilot"
_CHANGED_MIND = (
    r"\b(?:I['’]ve|I\s+have|she['’]s|he['’]s|they['’]ve|has|have|had)\s+(?:finally\s+|now\s+)?come\s+(?:a)?round\b"
    r"|\bcame\s+(?:a)?round\s+to\s+(?:it|us|you|the\s+idea)\b|\b(?:was|were|been|got)\s+won\s+over\b"
    r"|\bI\s+was\s+wrong\b(?!\s+about\s+the\s+(?:date|day|time|number|figure|name))"  # "I have to say it: I was wrong."
)
_BEST = (
    r"(?:best|easiest|smoothest|clearest|cleanest|simplest|fastest|quickest|nicest|finest"
    r"|most\s+(?:useful|reliable|helpful|intuitive|professional|responsive|clear|impressive|polished|thorough))"
)
# Appraisal of what we did or sell, in the words people use for it: a superlative against their own experience
# ("the best we have seen"), a need met ("exactly what we need"), help that matters ("a massive help"), ours
# compared favourably ("found yours a lot easier"), and how a writer reports warmth toward us ("speaks highly
# of us", "rooting for us", "on our side").
_APPRAISAL = re.compile(
    rf"\b{_BEST}\s+(?:[\w-]+\s+){{0,3}}?(?:I|we|they|she|he)(?:['’]ve|['’]d|['’]s|\s+have|\s+has|\s+had)?\s+(?:ever\s+)?"
    r"(?:seen|had|used|done|received|tested|tried|sat\s+through|come\s+across|worked\s+with|dealt\s+with|deal\s+with"
    r"|work\s+with)\b"
    # any verb, once a perfect or "ever" makes it their own experience: "the best thing we've put into Corby", "the
    # cleanest number she's ever had to defend"; or against the years: "the best thing … in years"
    rf"|\b{_BEST}\s+(?:[\w-]+\s+){{0,3}}?(?:I|we|they|she|he)(?:(?:['’]ve|\s+have|\s+has)(?:\s+ever)?|(?:['’]s|['’]d|\s+had)"
    r"\s+ever|\s+ever)\s+(?!(?:managed|got|gotten|achieved|been|heard|offered|come|reached)\b)[a-z]+\b"  # a limit
    rf"|\b{_BEST}\s+(?:[\w'’-]+\s+){{0,6}}?in\s+(?:years|ages|a\s+(?:long\s+time|decade))\b"
    rf"|\b{_BEST}\s+(?:[\w-]+\s+){{0,3}}?of\s+(?:all|them\s+all|the\s+(?:two|three|four|five|bunch|lot|shortlist))\b"
    r"|\bone\s+of\s+the\s+(?:better|easier|smoother|best|easiest|smoothest)\b"
    # praise said of us in a writer's words: "spoke warmly of the support desk", "props to your eng team"
    r"|\bspo(?:ke|ken|eaks?)\s+warmly\b|\b(?:props|kudos|hats\s+off|credit)\s+to\s+(?:you|your|the|our)\b"
    r"|\bcredit\s+where\s+(?:it['’]s|it\s+is)\s+due\b|\b(?:can['’]t|cannot|couldn['’]t)\s+fault\b"
    r"|\bkeep\s+(?:doing\s+(?:it|that|what)|it\s+up)\b|\bproud\s+to\s+be\s+a\s+customer\b"
    r"|\b(?:sad|sorry)\s+to\s+see\s+(?:it|you|us|them)\s+go\b|\b(?:happily|gladly)\s+renew\b"
    r"|\b(?:grateful|thankful|upbeat|glowing)\b|\b(?:very|quite|broadly|perfectly|more\s+than)\s+content\b"
    r"|\bwelcomed\s+(?:the|our|your)\s+(?:\w+\s+)?(?:proposal|offer|plan|changes?|approach|pilot)\b"
    r"|\btrusts?\s+(?:us|you|our|your)\b"
    r"|\bexactly\s+what\s+(?:we|I|they|she|he|the\s+\w+)\s+(?:need|needs|needed|want|wants|wanted|(?:were|was|are|am)\s+looking\s+for)\b"
    r"|\b(?:massive|huge|big|real|great|tremendous|enormous)\s+help\b"
    r"|\b(?:found|find|finds)\s+(?:yours|you|it|this|ours|the\s+\w+)\s+(?:\w+\s+){0,2}?(?:easier|better|simpler|faster|clearer)\b"
    r"|\b(?:yours|you)\s+(?:is|are|was|were|['’]s|['’]re)\s+(?:\w+\s+){0,2}?(?:easier|better|simpler|faster|clearer)\b"
    r"|\bgame[- ]?changer\b|\bnight\s+and\s+day\b|\bwell\s+done\b|\bgodsend\b"
    r"|\bexceeded\s+(?:\w+\s+){0,2}?expectations\b"
    r"|\beasy\s+to\s+work\s+with\b|\b(?:speaks?|spoke|speaking|thinks?|thought)\s+(?:very\s+|so\s+)?(?:highly|well)\s+of\b"
    r"|\brooting\s+for\s+us\b|\bcomplimentary\b|\bappreciative\b|\bwarm\s+(?:on|towards?|to)\s+(?:us|you)\b"
    # someone who is on our side, not "who on our side can see their data" (the customer's own staff)
    r"|\b(?:our|a)\s+friend\b"
    r"|\b(?:is|are|was|were|['’]s|['’]re|be|been|firmly|squarely|clearly|always|definitely)\s+(?:\w+ly\s+)?on\s+our\s+side\b"
    r"|\breliable\s+partner\b|\bhappily\s+work\s+with\s+(?:us|you)\b"
    r"|\bkind\s+(?:note|email|e-mail|message|words|mail)\b"
    r"|\bthank(?:ed|s|ing)?\s+(?:\w+\s+){0,2}?(?:(?:our|your|the)\s+)?(?:team|trainers?|engineers?|consultants?|support|people)\b"
    r"|\b(?:happy|glad|willing|offered|agreed|keen)\s+to\s+(?:be|act\s+as|serve\s+as)\s+(?:a\s+|our\s+)?reference\b"
    r"|(?:\bwould|['’]d|\bwill|\bhappy\s+to|\bglad\s+to)\s+(?:happily\s+|definitely\s+|gladly\s+)?recommend\s+(?:us|you|it)\b"
    r"|\bthank(?:s|ed)?(?:\s+you)?\s+(?:\w+\s+)?for\s+(?:the|your|all\s+the)\s+(?:quick\s+|fast\s+|hard\s+)?"
    r"(?:fix|turnaround|effort|work)\b"
    # what it changed, in their words: "finding positions in seconds instead of digging through folders"
    r"|\b(?:in|within)\s+(?:(?:a\s+few|a\s+couple\s+of|\d+|two|three|five|ten)\s+)?(?:seconds|minutes|an?\s+(?:minute|hour))"
    r"\s+(?:instead\s+of|rather\s+than|not)\b"
    # backing it: "Lars is fully behind it", "firmly behind the renewal" (not "behind schedule")
    r"|\b(?:is|are|was|were|['’]s|['’]re|fully|firmly|squarely|solidly|completely|totally|very\s+much|right)\s+behind"
    r"\s+(?:us|you|it|this|the\s+(?:proposal|renewal|expansion|project|pilot|deal|rollout|plan|move))\b"
    # a burden gone, in their words: "haven't had to chase a single consultant since March", "my adjusters quit
    # complaining" (their own people), "a weight that is off my shoulders", "saves him an hour a night"
    r"|\b(?:haven['’]t|hasn['’]t|have\s+not|has\s+not)\s+(?:once\s+)?had\s+to\s+[^.;!?]{0,60}?"
    r"\b(?:a\s+single|once|since|any\s?more|in\s+(?:weeks|months|ages))\b"
    r"|\b(?:my|our|his|her)\s+(?:[\w-]+\s+){0,2}?(?:have\s+|['’]ve\s+)?(?:quit|stopped)\s+(?:complaining|moaning|grumbling)\b"
    r"|\bweight\s+(?:that\s+is\s+|that['’]s\s+)?off\s+(?:my|our|his|her|their)\s+shoulders\b"
    r"|\bsav(?:es|ed|ing)\s+(?:me|him|her|us|them|(?:the|my|our|his|her|their)\s+(?:team|people|staff|planners?|crews?))\s+"
    r"(?:about\s+|around\s+|nearly\s+|over\s+|at\s+least\s+)?(?:an?\s+(?:hour|day|week|morning)|\d+|two|three|four|five"
    r"|ten|hours|days|half)\b"
    # sending us to a colleague on their name, or a promise of backing: "feel free to say I sent you", "count on me"
    r"|\b(?:say|tell\s+(?:her|him|them))\s+(?:that\s+)?I\s+sent\s+you\b|\b(?:mention|use|drop)\s+my\s+name\b"
    r"|\b(?:can|could)\s+count\s+(?:on|with)\s+me\b|\bnailed\s+it\b|\bworth\s+the\s+price\s+of\s+admission\b"
    # wanting it further: "dying to get it after seeing ours", "a quote to take it across Microbiology as well"
    r"|\bdying\s+to\s+(?:get|have|try|see)\b"
    r"|\b(?:take|roll|extend|spread)\s+(?:it|this|them)\s+(?:out\s+)?(?:across|to\s+(?:the\s+)?(?:rest|other|every|all))\b"
    # impatient for it: "asked several times when the pilot can start", "can't wait to get it live"
    r"|\basked\s+(?:\w+\s+){0,2}?(?:times|again|repeatedly)\s+when\b|\bcan['’]t\s+wait\s+(?:to|for)\b"
    # no way back to how it was before us ("I'd not go back to the spreadsheet", "couldn't live without it")
    r"|\b(?:would(?:n['’]t|\s+not|\s+never)|['’]d\s+(?:not|never)|won['’]t|will\s+not|never\s+want\s+to|not|never"
    r"|(?:can|could)(?:n['’]t|not)\s+imagine)\s+go(?:ing)?\s+back\s+to\s+(?:the\s+|our\s+|their\s+)?(?:old|spreadsheets?"
    r"|excel|paper|e-?mails?|manual|previous|legacy|whiteboards?|how\s+it\s+was|the\s+way)\b"
    r"|\b(?:can['’]t|cannot|couldn['’]t|could\s+not)\s+(?:live|do)\s+without\s+(?:it|us|you|yours)\b"
    # choosing us: "we're going with yourselves", "scored us ahead on both"
    r"|\b(?:going|gone|went|go|goes|chose|chosen|picked|selected)\s+with\s+(?:you|yourselves|us)\b"
    r"(?!\s+(?:to|on|through|into|along|round|around|for\s+(?:a|the)\s+(?:walk|visit|lunch|dinner|coffee)))"
    r"|\b(?:scor|rank|rat)(?:ed|es|ing|e|s)?\s+(?:us|you|yours|ours)\s+(?:ahead|first|top|highest|best|above)\b"
    # worth what it costs: "it's earned its keep", "better than anything we had before"
    r"|\bearned\s+(?:its|their)\s+keep\b|\bworth\s+every\s+(?:penny|cent)\b|\b(?:paid|pays|paying)\s+for\s+(?:itself|themselves)\b"
    r"|\bbetter\s+than\s+(?:anything|what)\s+(?:we|I|they)(?:['’]ve|\s+have|\s+had)?\s+(?:had|have|used|seen)\b"
    # a mind changed our way: "So I've come round. Fully.", "she was won over by the pilot"
    rf"|{_CHANGED_MIND}"
    # wanting more of it: "I'd like 4 more scheduler seats", "asked for 200 extra licences"
    r"|(?:\b(?:I|we|they|she|he)['’]d\s+like|\bwould\s+like|\bwant(?:s|ed)?|\bneed(?:s|ed)?|\bask(?:s|ed|ing)?\s+(?:for|about)"
    r"|\brequest(?:s|ed|ing)?|\badd(?:s|ed|ing)?|\bfollowing\s+up\s+on|\bbuy(?:s|ing)?|\border(?:s|ed|ing)?)\s+(?:\w+\s+){0,3}?"
    r"(?:\d+|a\s+few|a\s+couple(?:\s+of)?|several|another)\s+(?:more|extra|additional)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:seats?|licen[cs]es?|logins?|modules?)\b"
    # offering to speak for us in public: "if you ever want a customer story, put me down", "happy to do a webinar"
    r"|\b(?:put\s+(?:me|us|my\s+name)\s+down|count\s+(?:me|us)\s+in|sign\s+(?:me|us)\s+up|volunteer\w*|offered"
    r"|(?:happy|glad|willing|keen)\s+to\s+(?:do|be|give|join|host|speak|present|write))\b[^.;!?]{0,60}?"
    r"\b(?:customer\s+stor(?:y|ies)|case\s+stud(?:y|ies)|testimonial|webinar|user\s+(?:group|conference)|speak\w*\s+at)\b"
    r"|\b(?:customer\s+stor(?:y|ies)|case\s+stud(?:y|ies)|testimonial|webinar)\b[^.;!?]{0,60}?"
    r"\b(?:put\s+(?:me|us|my\s+name)\s+down|count\s+(?:me|us)\s+in|sign\s+(?:me|us)\s+up|I['’]m\s+in)\b"
    # no way to do without it: "we'd be lost without it", "it has made my life so much easier"
    r"|(?:\bwould|['’]d)\s+(?:\w+ly\s+)?be\s+(?:\w+ly\s+)?lost\s+without\b"
    r"|\bmade\s+(?:my|our|their|his|her|everyone['’]s)\s+(?:life|lives|job|jobs|work|day)\s+(?:\w+\s+){0,2}?(?:easier|better|simpler)\b"
    r"|\b(?:big|huge|true|firm|real|great)\s+believer\s+in\b|\b(?:sing|sings|singing|sang|sung)\s+(?:our|your|its|their)\s+praises\b"
    rf"|{_DEFENDS_US}|\bgood\s+word\s+for\s+(?:us|you)\b"
    # thanks that go beyond manners: "a huge thank you to Yusuf and Carmen on your support desk"
    r"|\b(?:huge|big|massive|special|heartfelt|sincere|enormous)\s+thank(?:s|\s+you)\b",
    re.IGNORECASE,
)
# Not wanting to be without it: "I'd hate to lose Case Manager on the counters", "I wouldn't want to run the
# team without it" (counted where what follows is us or what we sell).
_KEEPING = re.compile(
    r"\b(?:hate|wouldn['’]t\s+want|would\s+not\s+want|don['’]t\s+want|do\s+not\s+want)\s+to\s+(?:lose|give\s+up"
    r"|be\s+without|do\s+without|go\s+without|run\s+(?:[\w-]+\s+){0,3}?without)\b",
    re.IGNORECASE,
)
_KEPT = re.compile(
    r"\s+(?:it|us|you|yours|them|(?:the|this|our|your)\s+(?:tool|system|platform|product|software|app)s?)\b",
    re.IGNORECASE,
)
_BETTER_CHOICE = re.compile(
    r"\b(?:the\s+)?(?:better|best|right|stronger|superior)\s+(?:product|option|solution|choice|tool|platform|fit|partner"
    r"|vendor|system)\b",
    re.IGNORECASE,
)
# Praise of something, which counts when what follows is us or what we sell ("loves Field Mobile").
# A verdict on what we sold, in any words: the thing (ours by name, "your system", "the pilot numbers") and a good
# word said of it ("the pilot numbers were good", "your platform has been rock solid", "the fix is working").
_SOLD_THING = (
    r"\b(?:your|the|our|this)\s+(?:new\s+|\w+\s+)?(?:system|tool|platform|product|software|solution|service|support"
    r"|pilot|results?|numbers|figures|fix|go-?live|roll-?out|implementation|integration|dashboards?|reports?|roi|app"
    r"|module|onboarding|training|search|interface|ui|ux|screens?|console|workflow|scheduler|features?|update|upgrade"
    r"|release|migration|version|documentation|proposal)\b"
    r"|\byour\s+(?:\w+\s+)?(?:team|people|engineers?|trainers?|consultants?|staff|desk|account\s+team)\b"
    r"|\byou\s+guys\b"
)
_GOOD_WORD = (
    r"(?:good|great|excellent|brilliant|fantastic|superb|impressive|convincing|useful|helpful|valuable|worthwhile"
    r"|stable|smooth|intuitive|easy\s+to\s+use|a\s+(?:big\s+|real\s+|huge\s+)?help"
    r"|worth\s+(?:it|every\s+penny|the\s+money)|reliable|(?:rock[- ])?solid|spot\s+on"
    r"|working(?:\s+(?:well|nicely|fine))?"
    r"|a\s+(?:good|great|sound|smart)\s+investment|money\s+well\s+spent|a\s+(?:big\s+|real\s+|huge\s+)?success"
    r"|paying\s+off|paid\s+off"
    r"|outstanding|exemplary|terrific|wonderful|amazing|awesome|first[- ]class|top[- ]notch|world[- ]class|slick"
    r"|seamless|painless|smooth(?:er|ly)?|eas(?:y|ier)|clear(?:er)?|quick(?:er)?|responsive|patient|professional"
    r"|(?:a\s+)?pleasure(?:\s+to\s+\w+(?:\s+with)?)?|(?:a\s+)?(?:big\s+|considerable\s+|real\s+|huge\s+|major\s+)?step\s+"
    r"(?:forward|up)|(?:miles|streets)\s+ahead|(?:much|far|way|a\s+lot)\s+better|better\s+than\s+(?:expected|I\s+thought"
    r"|we\s+expected|anything|fine)|well|to\s+plan)\b"
)
_ADVERB = r"(?:really|very|so|pretty|genuinely|actually|all|quite|still|also|clearly|honestly|definitely|extremely)"
_LINK = (
    r"(?:is|are|was|were|['’]s|['’]re|has\s+been|have\s+been|looks?|looked|seems?|seemed|turned\s+out|proved|proving"
    r"|went|goes|going|gone|felt|feels|came\s+across\s+as)"
    rf"(?:\s+{_ADVERB})?"
)


@lru_cache(maxsize=64)
def _verdict_pattern(ours: tuple[str, ...]) -> re.Pattern[str]:
    """Compiled once per account's product and company names, since every sentence is read against it."""
    thing = rf"(?:{'|'.join([_SOLD_THING, *(re.escape(name) for name in ours)])})"
    return re.compile(
        rf"{thing}(?:\s+[\w'’-]+){{0,3}}?\s+{_LINK}\s+['‘“\"]?{_GOOD_WORD}"
        rf"|\b(?:found|finds|find)\s+{thing}(?:\s+[\w'’-]+){{0,3}}?\s+(?:{_ADVERB}\s+)?{_GOOD_WORD}",
        re.IGNORECASE,
    )


def _verdicts(sentence: str, ours: Sequence[str]) -> list[re.Match[str]]:
    return list(_verdict_pattern(tuple(ours)).finditer(sentence))


def _is_verdict(said: str, ours: Sequence[str]) -> bool:
    return _verdict_pattern(tuple(ours)).fullmatch(said) is not None


_PRAISE = re.compile(
    r"\b(?:likes?|liked|loves?|loved|enjoys?|enjoyed|appreciat(?:es?|ed)(?!\s+(?:that|(?:this|it)(?:\s+is|['’]s)"
    r"|you\s+(?:can|may|might|have|are|were|need|cannot|can['’]t))\b)|values?|valued|praised?"
    r"|praising|raves?\s+about|raved\s+about|swears?\s+by|recommends?|recommended|(?:is|was|are|were|['’]s|['’]re)"
    r"\s+(?:\w+\s+)?(?:happy|pleased|impressed|satisfied|thrilled|delighted)\s+(?:with|by|about))\b",
    re.IGNORECASE,
)
_OPPOSITION = re.compile(
    r"\b(?:prefer(?:s|red|ring)?|favou?r(?:s|ed|ing)?|would\s+(?:much\s+)?rather|'d\s+rather|leans?\s+(?:toward|towards)"
    r"|pushing\s+for|evaluat(?:e|es|ed|ing)|looking\s+at|talk(?:s|ed|ing)?\s+to|in\s+talks\s+with|trial(?:l?ing)?)\s+"
    r"(?:the\s+|a\s+|an\s+)?(?:competitor|incumbent|alternative|other\s+vendor|cheaper|in-house|internal|own|to\s+(?:stay|keep|build|stick)"
    # "would rather keep the incumbent", but "would rather keep using it than go back to email" keeps us
    r"|stay(?:ing)?\s+with|stick(?:ing)?\s+with|keep(?:ing)?(?!\s+(?:using\s+|on\s+|with\s+)?(?:it|us|you|yours|this)\b)"
    r"|build(?:ing)?)"
    # "against" opposes only a stance, not a spec ("SAML SSO against our tenant")
    r"|\b(?:(?:is|are|was|were|['’]s|['’]re|dead\s+set|firmly|strongly|totally|completely|spoke|speaks|argued|came\s+out|voted)"
    r"\s+against|against\s+(?:us|it|this|the\s+(?:deal|renewal|project|proposal|purchase|idea|move|change|switch|rollout)"
    r"|buying|renewing|signing|going\s+ahead)|oppos(?:e|es|ed|ing)|opponent|block(?:s|ed|ing|er)?|skeptic(?:al|s)?|sceptic(?:al|s)?|doubt(?:s|ful)?"
    r"|unconvinced|not\s+(?:yet\s+|really\s+|fully\s+|entirely\s+)?convinced|lost\s+patience|frustrat(?:ed|ing)|unhappy|annoyed|angry|furious|upset|disappointed"
    r"|dissatisfied|complain(?:s|ed|ing)|hostile|resist(?:s|ed|ing|ant)?|pushback"
    # pushing back on someone else ("pushed back on him, on the record") is taking our side, not opposing us
    r"|push(?:es|ed|ing)?\s+back(?!\s+(?:on|against|at)\s+(?:him|her|them|his|their|(?-i:[A-Z])))|veto(?:ed)?"
    r"|not\s+a\s+fan|no\s+appetite(?!\s+(?:to|for)\s+(?:an?\s+)?(?:switch|change|mov|replac|look\w*\s+elsewhere|re-?tender|rfp|increase|uplift|price)\w*)"
    r"|detractor|wrong\s+(?:choice|architecture|tool|product|fit|approach|call)"
    r"|kill(?:ed|s|ing)?\s+(?:the|our|this|it)|(?:wants?|wanted|trying|tries)\s+to\s+(?:replace|rip\s+out|cancel|drop"
    r"|switch|move\s+off|get\s+rid\s+of|cut)\s+(?:us|our|the|it)"
    # the case against buying at all, in everyday words: "see what the alternatives look like", "our current setup
    # works", "I don't see the need", "explaining why we shouldn't bother", "still cold after August"
    r"|(?:see|check|look\s+at|looking\s+at|explore|exploring|evaluate)\s+(?:what\s+)?(?:the\s+|other\s+)?alternatives"
    r"|(?:current|existing)\s+(?:setup|set-up|system|process|tooling|solution)\s+(?:works|is\s+(?:fine|good\s+enough))"
    r"|(?:shouldn['’]t|should\s+not|needn['’]t)\s+bother"
    r"|(?:don['’]t|doesn['’]t|do\s+not|does\s+not|can['’]t|cannot)\s+see\s+(?:the\s+|a\s+|any\s+)?(?:need|point|value|gain)"
    r"|still\s+(?:very\s+|quite\s+)?(?:cold|negative|frosty)(?=\s*(?:[.;,!—–-]|$)|\s+(?:on|about|towards?|after|since)\b))\b",
    re.IGNORECASE,
)
# "the staff have stopped complaining about it", "my analysts have stopped moaning": a complaint that ended
_STOPPED = re.compile(r"\b(?:stopped|stop|quit|ceased)\s+$", re.IGNORECASE)
# "I'd rather invest in our own tooling than pay a vendor forever": what they would rather not do is buy from us
# (the cue is the "than" part, which no "'d" hedges).
_RATHER_THAN = re.compile(
    r"\brather\b[^.;]{0,60}?\b(?P<cue>than\s+(?:pay|paying|buy|buying|renew|renewing|sign|signing|use|using"
    r"|go\s+with|stay\s+with|keep)\s+(?:for\s+)?(?:you|us|your|a\s+vendor|another\s+vendor|the\s+vendor))\b",
    re.IGNORECASE,
)
_NEUTRAL = re.compile(
    r"\bneutral\b|\bon\s+the\s+fence\b|\bundecided\b|\bnon-?committal\b|\bno\s+(?:strong\s+)?(?:view|opinion|position)s?\b"
    r"|\bha(?:s|sn['’]t|ve\s+not)\s+(?:n['’]t\s+)?taken\s+a\s+(?:side|position)\b"
    r"|\b(?:either\s+way|wait[- ]and[- ]see)\b"
    r"|\bagnostic\b|\bindifferent\b|\blukewarm\b|\bambivalent\b|\bmostly\s+listened\b"
    r"|\bnot\s+(?:for|against)\s+(?:us|you)\W+(?:and\s+|but\s+)?(?:\w+['’]\w+\s+)?not\s+(?:for|against)\s+(?:us|you)\b"
    # "I'm not for it or against it", "neither for nor against"
    r"|\bnot\s+(?:for|against)\s+(?:it|us|you|this)\s+or\s+(?:for|against)\s+(?:it|us|you|this)\b"
    r"|\bneither\s+for\s+(?:it\s+|us\s+|you\s+)?nor\s+against\b"
    r"|\b(?:don['’]t|doesn['’]t|do\s+not|does\s+not|didn['’]t)\s+have\s+(?:any\s+)?strong\s+(?:feelings?|opinions?|views?)\b"
    # judging every bidder alike: "I'll score it straight", "not in anybody's pocket", "a level playing field"
    r"|\b(?:scor|judg|assess|evaluat|treat)\w*\s+(?:it|us|you|everyone|everybody|both|them|all|each|every)(?:\s+\w+)?\s+"
    r"(?:straight|fairly|equally|the\s+same|on\s+(?:the|its|their)\s+(?:own\s+)?merits?)\b"
    r"|\bnot\s+in\s+(?:any|some)(?:body|one)['’]s\s+pocket\b|\blevel\s+playing\s+field\b",
    re.IGNORECASE,
)


# Direct engagement (DESIGN.md: neutral is "engaged, no clear signal"; unknown is "no direct
# engagement"): the person spoke, wrote or met with us — the subject of a communication verb, or
# the other party of a meeting, call or message. Merely being mentioned ("the CFO, Ana, signs
# off") is not engagement.
_MEETING = (
    r"(?:call|calls|meeting|meetings|demo|workshop|session|review|qbr|sync|kick-?off|steering|webinar|presentation"
    r"|briefing|standup|stand-up|walkthrough|workshop|negotiation|visit|tour|dinner|lunch|offsite|conference\s+call)"
)
_ENGAGED_AFTER = re.compile(
    r"^\W{0,3}(?:\w+\W+){0,6}?(?P<verb>said|says|told|tells|asked|asks|sent|sends|replied|replies|wrote|writes|emailed"
    r"|e-mailed|messaged|pinged|called|rang|phoned|join(?:ed|s)\s+(?:us(?!\s+as\b)|the\s+(?:call|meeting|demo|workshop|session))"
    r"|attended|attends|met|meets|presented|shared|shares|mentioned|confirmed|confirms|agreed|agrees|raised"
    r"|explained|responded|answered|noted|thanked|walked\s+us|came\s+back|got\s+back|reached\s+out|demoed"
    r"|requested|requests|promised|complained|hosted|invited|introduced|spoke|speaks|talked|discussed|admitted"
    r"|stressed|insisted|offered|suggested|proposed|flagged|warned|sat\s+(?:in|through)|left\s+the\s+(?:call|meeting)"
    r"|(?:was|were)\s+(?:on|in|at)\s+the\s+(?:call|meeting|demo|workshop|session)"
    r"|called\s+(?:me|us)\s+back|got\s+back\s+to\s+(?:me|us)|returned\s+(?:my|our|the)\s+(?:call|voicemail|vm|email|e-mail)"
    r"|visited\s+(?:us|our)|(?:made|did)\s+the\s+(?:\w+\s+)?tour\s+with\s+us|booked\s+(?:a|the|another)?\s*(?:\w+\s+){0,2}"
    r"(?:call|meeting|slot|session|demo))\b",
    re.IGNORECASE,
)
# "Roman, the new IT director – Lucie told us": a person named between the mention and the verb is its
# subject, unless joined to the mention ("Roman and Lucie said") or set off in an aside ("Roman (Lucie's
# deputy) said", "Roman, Lucie's deputy, said").
_JOINED = re.compile(r"^\s*(?:,|and|&|\+|/)\s*$", re.IGNORECASE)
_ASIDE_OPENS = re.compile(r"^\s*[(,]")
_ASIDE_CLOSES = re.compile(r"[),]")


def _verb_of_someone_between(sentence: str, mention: Mention, verb_at: int, others: Sequence[Mention]) -> bool:
    for other in others:
        if other.key == mention.key or not mention.end <= other.start < verb_at:
            continue
        lead, tail = sentence[mention.end : other.start], sentence[other.end : verb_at]
        if _JOINED.match(lead) or (_ASIDE_OPENS.match(lead) and _ASIDE_CLOSES.search(tail)):
            continue
        return True
    return False


# What we sent them is no engagement until they answer ("Emailed Peter Lomax for an intro", "sent the intro
# email to Richard", "cc Dana"): DESIGN.md counts an unanswered outbound email as no touch.
_ENGAGED_BEFORE = re.compile(
    r"\b(?:met|met\s+up|catch[- ]up|chat|coffee|1:1|one-on-one|spoke|speaking|talked|talking"
    r"|" + _MEETING + r")"
    r"\s+(?:with|w/|from|to)\s*(?:\w+\s+)?$"
    r"|\b(?:email|message|reply|note)\s+(?:with|w/|from)\s*(?:\w+\s+)?$"
    r"|\b(?:from|per)\s*:?\s*$|\b(?:briefed|met|interviewed|thanked|asked|told)\s+$",
    re.IGNORECASE,
)


# Taking part in a meeting with us, as the person's own predicate (only an aside may come between):
# "Tunde on the SSO call", "Mrs. Dimitrova joined the web meeting", "Dr. Friedman dialled into the
# quarterly review", "Ms. O'Brien, from purchasing, took part in the negotiation call". A meeting
# named further on ("Dana's name came up on the call") is not them taking part.
_TOOK_PART = re.compile(
    r"^\s*(?:\([^)]{0,40}\)\s*|,[^,]{0,40},\s*|\s+from\s+(?:the\s+)?[\w-]+\s+)?"
    r"(?:(?:is|was|were|has\s+been|had\s+been)\s+(?:present\s+)?(?:on|in|at)|on|joined|joins|dial(?:l)?ed\s+in(?:to)?"
    r"|took\s+part\s+in|takes\s+part\s+in|attended|sat\s+in\s+on)\s+(?:the\s+|our\s+|a\s+|an\s+|this\s+|every\s+)?"
    r"(?:[\w-]+\s+){0,2}?" + _MEETING + r"\b",
    re.IGNORECASE,
)
# "Rashid: 'send me the proposal'" or "Jin — “what's the roadmap?”": their own words, so they spoke to us.
_QUOTED_AFTER = re.compile(r"^\s*(?:\([^)]{0,40}\)\s*)?[:—–-]\s*['‘“\"]\w")
_POSSESSIVE = re.compile(r"^['’]s?\b")
_POSSESSIVE_MESSAGE = re.compile(
    r"^['’]s?\s+(?:reply|email|e-mail|message|answer|response|note|text|voicemail)\b", re.IGNORECASE
)


_AUTOMATIC = re.compile(r"\bauto(?:matic)?[- ]?(?:reply|response)\b|\bout[- ]of[- ](?:the[- ])?office\b|\bOOO\b",
                        re.IGNORECASE)


# The act did not happen, or was done to them: "Dirk was invited but did not come", "hasn't answered"; or it is
# only to come or wished for: "Dana will send the numbers", "Rachel wants the Skyroster number beaten or explained".
_NOT_DONE = re.compile(
    r"(?:\b(?:not|never|yet\s+to|failed\s+to|refused\s+to|will|would|shall|going\s+to|wants?|needs?)\b|n['’]t\b"
    r"|['’]ll\b)"
    r"|\b(?:was|were|been|being|is|are|gets?|got)\s+\w+ed\s*$",
    re.IGNORECASE,
)


# A meeting that has not happened: negated ("I've never met Gary", "not spoken with him"), wished or planned
# ("until we've met Anita", "would it help if Sindre asked Camilla", "an intro for us with Marcus"), not
# an intro call that took place ("Intro call w/ Andrzej").
_UNREALISED = re.compile(
    r"\b(?:never|not|no|yet\s+to|if|until|unless|once|whether|would|could|should|shall|will|might|intro\w*\s+(?:to|for)"
    r"|try(?:ing)?\s+to|want\s+to|need\s+to|hope\s+to|plan\s+to|going\s+to|set\s+up|schedul\w+|arrang\w+|book)\b"
    r"|n['’]t\b|['’]ll\b",
    re.IGNORECASE,
)
# "Claire said ... that Marcus asked for a rollout plan": what another person reports is not them talking to us.
_REPORTED_BY = re.compile(
    r"^\W*(?:\w+\W+){0,2}?(?:said|says|told\s+(?:me|us)|tells\s+(?:me|us)|mentioned|hinted|reckons|heard)\b",
    re.IGNORECASE,
)


def _unrealised(sentence: str, mention: Mention) -> bool:
    """Whether a meeting named before the mention is only negated, wished or planned."""
    clause = sentence[max(0, clause_start(sentence, mention.start) - 8) : mention.start]  # with its "if", "once"
    return bool(_UNREALISED.search(clause))


def _reported_by_someone_else(sentence: str, mention: Mention, others: Sequence[Mention]) -> bool:
    return any(
        other.key != mention.key and other.end <= mention.start
        and _REPORTED_BY.match(sentence[other.end : mention.start])
        for other in others
    )


# The writer saying we have not engaged someone yet: "I have never really spoken with him", "we haven't met Anita".
_NEVER_ENGAGED = re.compile(
    r"\b(?:I|we)\s*(?:(?:['’]ve|have)\s+(?:never|not(?:\s+yet)?)|haven['’]t|have\s+not|never|(?:are|am)\s+yet\s+to)"
    r"(?:\s+(?:\w+ly|actually|yet|even|once))?\s+"
    r"(?:spoken|talked|met|meet|speak|talk|been\s+in\s+touch|had\s+a\s+(?:call|meeting|conversation))\b"
    r"(?:\s+(?:with|to))?\s*(?P<who>him|her|them|(?-i:[A-Z])[\w'’-]+)?"
    # "not spoken to her since March" says we did, before
    r"(?!\s+(?:since|for|in\s+(?:weeks|months|ages|a\s+while)|lately|recently)\b)",
    re.IGNORECASE,
)


def never_engaged(sentence: str, found: Sequence[Mention]) -> str | None:
    """The person a sentence says we have not engaged: the one it names after the verb, or by "him"/"her" the
    one person it names before."""
    match = _NEVER_ENGAGED.search(sentence)
    if match is None or match.group("who") is None:
        return None
    after = [m.key for m in found if m.start >= match.start("who")]
    if after:
        return after[0]
    before = {m.key for m in found if m.end <= match.start()}
    return before.pop() if match.group("who").lower() in ("him", "her", "them") and len(before) == 1 else None


def directly_engaged(sentence: str, mention: Mention, others: Sequence[Mention] = ()) -> bool:
    """Whether the sentence shows the mentioned person communicating with us, not merely named (an
    automatic reply is not them); `others` are the sentence's other people, who may be the ones acting."""
    if _AUTOMATIC.search(sentence) or _reported_by_someone_else(sentence, mention, others):
        return False
    after = sentence[mention.end : mention.end + 80]
    before = sentence[max(0, mention.start - 40) : mention.start]
    if _POSSESSIVE.match(after):  # "Robert's EA says": someone else spoke
        return bool(_POSSESSIVE_MESSAGE.match(after))
    acted = _ENGAGED_AFTER.search(after)
    if acted and _verb_of_someone_between(sentence, mention, mention.end + acted.start("verb"), others):
        acted = None
    return bool(
        (acted and not _NOT_DONE.search(acted.group()))
        or (_ENGAGED_BEFORE.search(before) and not _unrealised(sentence, mention))
        or _QUOTED_AFTER.match(after)
        or _TOOK_PART.match(after)
    )


_WANTS_MORE = re.compile(
    r"\b(?:wants?|wanted|asked\s+(?:us\s+)?for|requested|keen\s+(?:on|to\s+(?:add|expand|roll\s+out|extend)))\s+"
    r"(?:(?:more|to\s+(?:add|expand|extend|roll\s+out|use)|the|a|an)\s+)?",
    re.IGNORECASE,
)
_EVALUATIVE = re.compile(r"\b(?:great|excellent|impressive|positive|solid|smooth|very\s+good)\b", re.IGNORECASE)
_LINKING = re.compile(
    r"\b(?:is|was|are|were|seems?|seemed|sounded|sounds|felt|feels|stayed|remains?|been|['’]s)\s+(?:\w+\s+)?$"
)
_VOCABULARY_LABEL = re.compile(
    r"(?:^|[:=—–]|\b(?:is|as|remains|still)\s+(?:a|an|our|the)?)\s*(?:clear|strong|real|true|solid|genuine)?\s*"
    r"(?P<label>champion|coach|supporter|detractor)\b(?!\s+(?:of|for)\s+(?!us\b|our\b|it\b)(?-i:[A-Z]))",
    re.IGNORECASE,
)
# "wants the notes translated before she recommends it": advocacy promised on a condition has not happened
_CONDITION_BEFORE = re.compile(
    r"\b(?:before|until|unless|once|if|when|whether)\s+(?:she|he|they|we|I|\w+)\s+(?:would\s+|will\s+|can\s+)?$",
    re.IGNORECASE,
)
_TURN_MARKER = re.compile(r"\b(?:now|these\s+days|since\s+then|today|lately)\b", re.IGNORECASE)
# Selling that is not the customer's: ours ("whatever else you've sold us"), or only asked of them ("ask Luca to
# co-present the simulation", "get her to present it")
_NOT_THEIR_SELLING = re.compile(
    r"\byou(?:['’]ve|['’]d|['’]ll|\s+have|\s+had|\s+will)?\s+(?:\w+\s+)?$"
    r"|\b(?:ask|asking|get|getting|want|wants|wanted|need|needs|invite|persuade|convince)\s+(?:[\w'’-]+\s+){1,3}?to"
    r"\s+(?:co-?)?$",
    re.IGNORECASE,
)


def _mentions_ours(text: str, ours: Sequence[str]) -> bool:
    return bool(re.search(rf"\b{_OURS}\b", text, re.IGNORECASE)) or names_any(text, ours)


# "backs Skyroster", but not "a couple of weeks back Rachel put the Skyroster quote on the table"
_BACKS = "".join(rf"(?<!\b{w}\s)" for w in ("day", "days", "week", "weeks", "month", "months", "year", "years", "while",
                                            "way", "time")) + r"back\w*"


def stance_cues(
    sentence: str, competitors: Sequence[str] = (), ours: Sequence[str] = (), *, our_voice: bool = False
) -> list[Cue]:
    """Where the sentence's subject stands toward us, composed from its signal families (DESIGN.md stance).

    Opposition (prefers someone else, opposes, frustrated) is a detractor; advocacy of us that is
    not refused is a champion; inside information is a coach; positive words or an explicit
    refusal to sell for us, a supporter; explicit fence-sitting, neutral. Advocacy for a named
    competitor is opposition. Negated or hedged words do not count. With `our_voice` (our own note, log or email)
    "our" is us: "convinced her plant manager to take our system".
    """
    markers = list(_TURN_MARKER.finditer(sentence))
    # "In January he pushed back; now he sells it": only what follows the last "now" counts.
    if markers and markers[-1].start() > 0 and markers[-1].end() < len(sentence):
        cut = markers[-1].start()
        later = stance_cues(sentence[cut:], competitors, ours, our_voice=our_voice)
        if later:
            return [replace(c, start=c.start + cut, end=c.end + cut) for c in later]

    def live(pattern: re.Pattern[str]) -> list[re.Match[str]]:
        found = []
        for m in pattern.finditer(sentence):
            if pattern is not _REFUSAL and is_hedged(sentence, m.start(), 3):
                continue
            found.append(m)
        return found

    # The vocabulary itself, as a SAM writes it: "Sunil: coach, still.", "Rosa = supporter", "is a clear champion".
    for m in _VOCABULARY_LABEL.finditer(sentence):
        if not is_hedged(sentence, m.start("label"), 3):
            label = Stance(m.group("label").lower())
            return [Cue(m.start("label"), m.end("label"), label, 2)]
    refusal = live(_REFUSAL)
    neutral = live(_NEUTRAL)
    opposition = [
        m.span() for m in _OPPOSITION.finditer(sentence)
        if not _REFUSAL.search(sentence[max(0, m.start() - 30) : m.end()])
        and not is_hedged(sentence, m.start(), 3)
        and not _STOPPED.search(sentence, 0, m.start())
        and not any(n.start() <= m.start() < n.end() for n in neutral)
    ]
    for m in _RATHER_THAN.finditer(sentence):
        opposition.append(m.span("cue"))
    # "lost the pool to ShiftBridge and Renee is happy with them": content with the competitor the sentence named
    opposition += [
        m.span() for m in live(_POSITIVE)
        if _GLAD_WORD.search(m.group()) and _of_a_competitor_named_before(sentence, m, competitors, ours)
    ]
    for name in competitors:
        for m in re.finditer(
            rf"(?:\b(?:would|should)\s+(?:much\s+)?|['’]d\s+(?:much\s+)?|\b)(?:prefer\w*|favou?r\w*|rather|push(?:es|ed|ing)?"
            rf"|lobb(?:y|ies|ied|ying)|campaign\w*\s+for|argu\w+\s+for|leans?\s+(?:toward|towards)|sold\s+on|evaluat\w*|{_BACKS}"
            rf"|champion\w*|pitch\w*|recommend\w*|stay\s+with|stick\s+with|keep|(?:lik|lov)(?:e|es|ed)(?!\s+to\b)"
            rf"|leaning(?:\s+(?:to|toward|towards))?|choose|chooses|chose|pick|picks|swears?\s+by|rates?"
            # content with what a competitor gives them: "happy with Vault", "very satisfied with ShiftBridge"
            rf"|(?:{_GLAD}|content|satisfied)\s+(?:with|about)"
            # a wish: "if it were my call we'd already be on Arcadia", "would go with Arcadia tomorrow"
            rf"|(?:['’]d|would)\s+(?:already\s+|just\s+|happily\s+)?(?:be\s+(?:on|with|using)|go\s+(?:with|for)"
            rf"|switch\s+to|move\s+to|pick|choose|sign\s+with))\s+(?:\w+\s+){{0,3}}?{re.escape(name)}\b",
            sentence,
            re.IGNORECASE,
        ):
            if not is_hedged(sentence, m.start(), 3) and not _PUSHED_AWAY.match(sentence, m.end()):
                opposition.append(m.span())
    # "Happy with ELN overall, frustrated that sample IDs are still typed by hand": a mood about a detail beside
    # a positive verdict is no opposition (DESIGN.md: a detractor prefers a competitor or opposes).
    if defended := _DEFENDED.search(sentence):  # "she defended us when the CFO complained": the CFO's complaint
        opposition = [(a, b) for a, b in opposition if a < defended.start()]
    if changed := _CHANGED_MIND_AT.search(sentence):  # "Sceptical in March, but ... he has come round"
        opposition = [(a, b) for a, b in opposition if a > changed.start()]
    # "Disappointed of course, but I understand": a feeling about a decision, accepted, opposes nothing
    opposition = [
        (a, b) for a, b in opposition if not (_MOOD_ONLY.fullmatch(sentence[a:b]) and _CONCEDED.match(sentence, b))
    ]
    mood_only = all(_MOOD_ONLY.fullmatch(sentence[a:b]) for a, b in opposition)
    if opposition and not (mood_only and _positive_cues(sentence, competitors, ours, live)):
        start, end = opposition[0]
        return [Cue(start, end, Stance.detractor, 2)]
    advocacy = [
        m for m in live(_ADVOCACY)
        if _mentions_ours(sentence[m.end() : m.end() + 60], ours) or _AUDIENCE.search(sentence[m.end() : m.end() + 80])
    ]
    advocacy = [
        m for m in advocacy
        if not _CONDITION_BEFORE.search(sentence[max(0, m.start() - 30) : m.start()])
        and not _NOT_THEIR_SELLING.search(sentence[max(0, m.start() - 40) : m.start()])
    ]
    advocacy += live(_CARRIED)
    us = _US_OR_OUR if our_voice else _US_OR_YOU
    advocacy += [  # "told the partners that Ravenglass paid for itself", "fighting for you in every budget meeting"
        m for m in live(_INSIDE_WORK)
        if (us.search(rest := sentence[m.start() :]) or names_any(rest, ours)) and not _said_against(rest)
        and not (our_voice and _OUR.search(m.group()))  # in our own note "our CFO" is ours
    ]
    advocacy = [m for m in advocacy if not names_any(sentence[m.end() : m.end() + 40], competitors)]
    labels = live(_ADVOCACY_LABEL)
    labelled = bool(labels) and bool(
        re.search(r"champion|advocate|evangelist|ally|sponsor|fan", labels[0].group(), re.I)
        or _ADVOCACY.search(sentence)
    )
    if (advocacy or labelled) and not refusal:
        m = (advocacy or labels)[0]
        return [Cue(m.start(), m.end(), Stance.champion, 2)]
    inside = live(_INSIDE)
    if inside:
        m = inside[0]
        return [Cue(m.start(), m.end(), Stance.coach, 2)]
    positive = _positive_cues(sentence, competitors, ours, live)
    if (
        neutral
        and all(_MOOD_WORD.fullmatch(sentence, m.start(), m.end()) for m in positive)
        and not any(_SOMEONE_BETWEEN.search(_between(sentence, m, neutral[0])) for m in [*positive, *refusal])
    ):
        # "pleasant, but no strong view either way", "won't push for it either way": a mood word or a refusal beside
        # an explicit lack of position is manners, not support (DESIGN.md's neutral: engaged, no clear signal) -- unless
        # someone else is named between them ("Wei Ling is keen, Arjun neutral")
        m = neutral[0]
        return [Cue(m.start(), m.end(), Stance.neutral, 2)]
    if refusal:
        # "Don't expect me to lobby Nadia on price": the one who refuses is the one saying it, not whom it names
        m = refusal[0]
        own = bool(_FIRST_PERSON_REFUSAL.search(sentence[max(0, m.start() - 12) : m.end()]))
        return [Cue(m.start(), m.end(), Stance.supporter, 2, first_person=own, refusal=True)]
    if positive:
        m = positive[0]
        return [Cue(m.start(), m.end(), Stance.supporter, 2)]
    if neutral:
        m = neutral[0]
        return [Cue(m.start(), m.end(), Stance.neutral, 2)]
    return []


# A mood or an attitude, not a verdict on what we sell ("loves the dashboards" is one)
_MOOD_WORD = re.compile(
    rf"(?:{_GLAD}|impressed|satisfied|enthusiastic|supportive|receptive|open\s+to|on\s+board)",
    re.IGNORECASE,
)
_SOMEONE_BETWEEN = re.compile(r"\b(?!I\b)(?-i:[A-Z])[a-z]")


def _between(sentence: str, a: re.Match[str], b: re.Match[str]) -> str:
    return sentence[min(a.end(), b.end()) : max(a.start(), b.start())]


def _positive_cues(
    sentence: str,
    competitors: Sequence[str],
    ours: Sequence[str],
    live: Callable[[re.Pattern[str]], list[re.Match[str]]],
) -> list[re.Match[str]]:
    """Positive words about us or what we sell, in the order the rules rank them."""
    return [  # "keen on Arcadia, likes their notebooks": praise of a competitor is no support for us
        m for m in live(_POSITIVE)
        if not names_any(sentence[m.start() : m.end() + 40], competitors) and not _not_a_verb(sentence, m)
        and not _of_a_competitor_named_before(sentence, m, competitors, ours)
    ] + [
        m for m in live(_PRAISE)
        if _mentions_ours(sentence[m.end() : m.end() + 50], ours) and not _not_a_verb(sentence, m)
        and not _of_a_competitor_named_before(sentence, m, competitors, ours)
    ] + [
        m for m in live(_APPRAISAL) if not names_any(_clause_around(sentence, m), competitors)
    ] + [  # "I'd hate to" is no hedge
        m for m in _KEEPING.finditer(sentence)
        if _KEPT.match(sentence, m.end()) or names_any(sentence[m.end() : m.end() + 25], ours)
    ] + [  # "thinks Rota was the better product": ours, named in the clause, compared favourably
        m for m in live(_BETTER_CHOICE)
        if _mentions_ours(clause := _clause_around(sentence, m), ours) and not names_any(clause, competitors)
    ] + [  # wanting more of what we sell by name: "wants Kestrel APM on every new payment flow", not its numbers
        m for m in live(_WANTS_MORE)
        if names_any(sentence[m.end() : m.end() + 40], ours) and not _WANTS_TO_KNOW.match(sentence[m.end() :])
    ] + [  # "the pilot numbers were good", "your platform has been rock solid"
        m for m in _verdicts(sentence, ours)
        if not is_hedged(sentence, m.start(), 3) and not names_any(_clause_around(sentence, m), competitors)
    ] + [  # "great", "positive": said of a person ("Dana was positive") or of us, not of a call ("Great call")
        m for m in live(_EVALUATIVE)
        if _mentions_ours(sentence, ours) or _LINKING.search(sentence[max(0, m.start() - 25) : m.start()])
        or _PREDICATIVE.match(sentence[m.end() :])  # "Maarten very positive on the results", not "a positive step"
    ]


_PRONOUN_OBJECT = re.compile(
    r"\b(?:it|them|theirs)\s*$|^\s+(?:with\s+|about\s+|of\s+)?(?:it|them|theirs)\b", re.IGNORECASE
)


def _of_a_competitor_named_before(
    sentence: str, m: re.Match[str], competitors: Sequence[str], ours: Sequence[str]
) -> bool:
    """"Corvia is already here and my docs like it", "lost the pool to ShiftBridge and Renee is happy with them":
    the "it" is the competitor the sentence named before, not us."""
    before = sentence[: m.start()]
    pronoun = _PRONOUN_OBJECT.search(m.group()) or _PRONOUN_OBJECT.search(sentence[m.end() : m.end() + 20])
    return bool(pronoun) and names_any(before, competitors) and not names_any(before, ours)


# "the value story", "a love of": a noun; "approved it like this", "looks like": a preposition. Neither praises.
_DETERMINER_BEFORE = re.compile(r"\b(?:the|a|an|our|their|its|this|that|his|her|of)\s+$", re.IGNORECASE)
_LIKE_AS_PREPOSITION = re.compile(
    r"\b(?:it|them|this|that|just|exactly|something|nothing|anything|little|much|looks?|looked|sounds?|sounded|seems?"
    r"|seemed|more|things|feel|feels)\s+$",
    re.IGNORECASE,
)


def _not_a_verb(sentence: str, m: re.Match[str]) -> bool:
    before = sentence[max(0, m.start() - 20) : m.start()]
    word = m.group().split()[0].lower() if m.group().split() else ""
    if word in {"like", "likes", "love", "loves", "value", "values"} and _DETERMINER_BEFORE.search(before):
        return True
    return word == "like" and bool(_LIKE_AS_PREPOSITION.search(before))


# "Wants CW Dockyard numbers before he'll think about it", "wants Loftway to consume the broker's API": a
# request for facts or a requirement, not a wish for more of the product.
_WANTS_TO_KNOW = re.compile(
    r"^(?:[A-Z][\w&/\-]*\s+){1,4}(?:numbers|pricing|prices?|quotes?|figures|data|details|answers|references?|demo"
    r"|docs?|documentation|specs?|roadmap|to\s+(?!be\s+(?:rolled|extended|expanded))\w+)\b"
)


# A clause whose own subject is a group or a thing: "the night shift is already", "their users were".
_SOMETHING_ELSE_FEELS = re.compile(
    r"\b(?:the|their|our|his|her|its|everyone|everybody|people|users|staff|teams?)\b(?:\s+[\w-]+){0,3}\s+"
    r"(?:is|are|was|were|got|get|gets|seems?|seemed|feels?|felt)\s+(?:\w+\s+)?$",
    re.IGNORECASE,
)


_MOOD_ONLY = re.compile(
    r"frustrat(?:ed|ing)|unhappy|annoyed|angry|upset|disappointed|dissatisfied|complain(?:s|ed|ing)?", re.IGNORECASE
)
_CONCEDED = re.compile(
    r"[^.;!?]{0,25}?\bbut\s+(?:I|we)\s+(?:fully\s+|totally\s+|completely\s+|do\s+)?"
    r"(?:understand|accept|get\s+it|see\s+why|appreciate\s+why)\b",
    re.IGNORECASE,
)
_CHANGED_MIND_AT = re.compile(_CHANGED_MIND, re.IGNORECASE)


def clause_start(text: str, end: int) -> int:
    """Where the clause that runs up to `end` begins: after the last comma, dash or conjunction before it."""
    return max((c.end() for c in _CLAUSE_START.finditer(text, 0, end)), default=0)


def _clause_around(sentence: str, m: re.Match[str]) -> str:
    """The clause a match sits in, up to 40 characters on: "we had Arcadia in, and the team found yours easier" is
    about us, "Arcadia's demo was the best we have seen" is not."""
    return sentence[clause_start(sentence, m.start()) : m.end() + 40]


# ---------------------------------------------------------------------------
# Who a cue is about
# ---------------------------------------------------------------------------

_OTHER_SUBJECT = re.compile(r"\b(?:we|i|you|they|our\s+team)\b\s*\S*\s*$", re.IGNORECASE)
_CLAUSE_BREAK = re.compile(r"[;]|\b(?:but|while|whereas|although|however|then)\b", re.IGNORECASE)
_PRONOUN = re.compile(r"\b(?:she|he|her|his|him)\b", re.IGNORECASE)
_STARTS_WITH_PRONOUN = re.compile(r"^\W*(?:she|he|they)\b", re.IGNORECASE)
_SUBJECTLESS = re.compile(  # a note's fragment about the person just named: "Likes us, but ..."
    r"^\W*(?!(?:This|His|Hers|Its|Yes|Was|Has|Is|Does|Us|Thanks|Plus|Focus|Status|Process|Access|Business"
    r"|Success|Less|Unless|News|Days|Weeks|Months|Years|Needs|Next|Steps|Notes|Risks|Asks|Was|Based)\b)"
    r"[A-Z][a-z]+(?:s|ed)\b"
)
_LABEL_ONLY = re.compile(r"^\W*(?:\w+\W+){0,2}\w+\W*$")  # "Champion." as a note's own line
# A note's fragment that opens with the cue itself: "Very positive, wants the training.", "Happy customer."
_OPENS_FRAGMENT = re.compile(
    r"^\W*(?:(?:very|really|quite|super|pretty|genuinely|clearly|definitely|also|still|overall|generally|v)\.?\s+)?$",
    re.IGNORECASE,
)
# "Very positive, wants more" says it of someone; "Great call" says it of the call.
_PREDICATIVE = re.compile(r"^\s*(?:[,.;:!)—–-]|$|(?:about|on|with|re|but|and|overall|throughout)\b)", re.IGNORECASE)
_CLAUSE_START = re.compile(
    r"[,;:()]|\s[-–—]\s|\b(?:and|but|so|because|while|whereas|although|though|if)\b", re.IGNORECASE
)
_SUBJECT_I = r"I|I['’]m|I['’]ve|I['’]ll|I['’]d|my"  # the speaker as the subject ("my call"), not "told me"
_FIRST_PERSON = re.compile(rf"\b(?:{_SUBJECT_I}|me|myself)\b")
_OWN_VOICE = re.compile(rf"\b(?:{_SUBJECT_I})\b")
_THIRD_PERSON = re.compile(r"\b(?:he|she|they)\b", re.IGNORECASE)  # also "they'd", "she's"
_WE_OR_I = re.compile(r"\b(?:I|we|our|my)\b", re.IGNORECASE)
_THIRD_PERSON_AT = re.compile(r"\s*(?:he|she|they)\b", re.IGNORECASE)
_SOMEONE_ELSE = re.compile(r"\b(?:he|she|they|you)\b", re.IGNORECASE)  # "you do the presenting" is not the speaker
_ASIDE_BREAK = re.compile(r"[:—–]|\s-\s")


_POSSESSED = re.compile(
    r"^['’]s?\s+(?!(?:own|new|title|role|team)\b)[a-z][\w-]*(?:\s+[a-z][\w-]*)?\s*(?:(?:was|is|has|got|had|will)\b|,|$)"
)


# "took our deck to Declan", "works for Nathan": a person named after a preposition is its object, not the one acting.
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:to|with|for|from|about|by|than|via|towards?|against|over|w/)\s*$", re.IGNORECASE
)


def is_object(sentence: str, mention: Mention) -> bool:
    """Whether the mention is the object of a preposition ("works for Nathan") or a possessive ("Nathan's quote")
    rather than someone a later "she" or "he" can stand for."""
    return bool(
        _PREPOSITION_BEFORE.search(sentence[max(0, mention.start - 12) : mention.start])
        or _POSSESSIVE.match(sentence[mention.end : mention.end + 2])
    )


# "Renee confirmed the escalated case is the one blocking Brian", "Dana said the old CFO has left": what someone
# reports has a subject of its own. Only an opinion is the reporter's ("Dana said the demo was great").
_REPORTED = re.compile(
    r"\b(?:said|says|confirmed|confirms|told\s+(?:us|me|him|her|them)|mentioned|explained|reported|noted|heard"
    r"|thinks|believes|warned(?:\s+(?:us|me))?)\s+(?:that\s+)?(?P<subject>\w+)",
    re.IGNORECASE,
)


def _reported_subject(gap: str, cue: Cue) -> bool:
    """Whether the cue sits in a clause someone reports, with a subject other than the reporter ("she", "he")."""
    if cue.value in (Stance.supporter, Stance.coach, Stance.neutral):
        return False
    reported = _REPORTED.search(gap)
    return reported is not None and reported.group("subject").lower() not in {"she", "he", "they", "her", "his"}


# A person's own words reported: what follows is their view, whatever its grammatical subject, unless it is
# about another person ("Jonty said she loves it" is hers).
_SAYING = r"said|says|thinks|believes|feels|reckons|claims|insists|admitted|wrote"
_SAYS = re.compile(
    rf"^\s*(?:\w+\s+)?(?:{_SAYING}|told\s+(?:us|me|him|her|them|the\s+\w+)|admits|added|writes)\b", re.IGNORECASE
)
_SOMEONE_ELSE_SAYS = re.compile(
    rf"\b(?:that|and|but)\s+(?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z][\w'’-]+))?\s+(?:had\s+)?(?:{_SAYING}|told)\b",
    re.IGNORECASE,
)
_PERSON_PRONOUN = re.compile(r"\b(?:she|he|they|I|we|you)\b", re.IGNORECASE)


def _in_aside(sentence: str, mention: Mention, before: int) -> bool:
    """Whether the mention sits in a parenthesis that closes before `before`."""
    opened = sentence.rfind("(", 0, mention.start)
    return opened >= 0 and ")" not in sentence[opened : mention.start] and ")" in sentence[mention.end : before]


# "Priya shared how the ELN year has gone": what follows "how" has a subject of its own.
_CLAUSE_OF_ITS_OWN = re.compile(r"\b(?:how|what|why|where|whether)\b", re.IGNORECASE)
_SUBORDINATE_START = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:since|as|because|after|when|now\s+that|while|although|though|once|if|with)\b",
    re.IGNORECASE,
)


_ASIDE = re.compile(r"\([^()]*\)|[—–][^—–]*[—–]|\s-\s[^-]*\s-\s")  # "(…)", " — … — ", " - … - "
_FROM = re.compile(r"\s+from\s+", re.IGNORECASE)


def subject_of(sentence: str, cue: Cue, found: list[Mention], *, loose: bool = False) -> str | None:
    """The key of the person a cue is about: the nearest mention before it in the same clause, else just after it."""
    # "Siobhan (steering #1, with Nell and Dave): supportive": a name in an aside is not the subject after it
    before = [m for m in found if m.end <= cue.start and not _in_aside(sentence, m, cue.start)]
    if before and not (is_object(sentence, before[-1]) and _PRONOUN.search(sentence[: before[-1].start])):
        nearest = before[-1]
        # an aside between them is no part of the clause: "Abena went into the directors' meeting — no vendor in
        # the room, just the directors — and did our pitch for us"
        gap = _ASIDE.sub(" ", sentence[nearest.end : cue.start])
        if _POSSESSED.match(gap):
            return None  # "Priya's deputy was promoted": the deputy is the subject, not Priya
        if _SOMEONE_ELSE_SAYS.search(gap):
            return None  # "Hannah told me that Jonty said ... it paid for itself": Jonty's view, whoever he is
        says = _SAYS.match(gap) if isinstance(cue.value, Stance) else None  # a view, never a fact about them
        if says and len(gap.split()) <= 20 and not _PERSON_PRONOUN.search(gap, says.end()):
            return nearest.key  # "Jonty said in front of the ops board that the system paid for itself": his view
        if (
            len(gap.split()) <= 12 and not _CLAUSE_BREAK.search(gap) and not _OTHER_SUBJECT.search(gap)
            and not _CLAUSE_OF_ITS_OWN.search(gap) and not _reported_subject(gap, cue)
        ):
            return nearest.key
    after = [m for m in found if m.start >= cue.end]
    if after and cue.value is Stance.coach and _FROM.fullmatch(sentence[cue.end : after[0].start]):
        return after[0].key  # "Off the record from Renee: ...": inside information comes from whoever gave it
    # "Left in May: Dana", "promoted to VP, Dana Wu" — but not the subject of the next clause ("Since he is gone,
    # Sabine did the planning").
    if after and len(sentence[cue.end : after[0].start].split()) <= 3 and not is_object(sentence, after[0]) and not (
        _SUBORDINATE_START.match(sentence[: cue.start]) and re.search(r"[,;]", sentence[cue.end : after[0].start])
    ):
        return after[0].key
    inside = [m for m in found if m.start >= cue.start and m.end <= cue.end]
    if inside:
        return inside[0].key
    # Loosely (for stance, never for status or title): one person in the whole sentence, named before
    # the cue, and no one else ("we", "they") as the
    # subject of the cue's clause: "Rosa is a fan but a manager, no budget, won't sell upstairs."
    clause = _CLAUSE_BREAK.split(sentence[: cue.start])[-1]
    alone = len({m.key for m in found}) == 1
    if (
        loose and before and alone and not _OTHER_SUBJECT.search(clause) and not _PRONOUN.search(clause)
        and not _reported_subject(sentence[before[-1].end : cue.start], cue)
    ):
        return before[-1].key
    return None


# ---------------------------------------------------------------------------
# Findings
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """One thing the evidence says about one person, with the citation that says it."""

    key: str
    field: str  # "status", "title", "stance", "reports_to", "arrival"
    value: Any
    citation: Citation
    day: date | None
    source_id: str
    source_type: SourceType
    weight: int = 2
    refusal: bool = False  # the stance is an explicit refusal to sell for us (Cue.refusal)


def _locator(hit: Hit, sentence: Sentence) -> str:
    return sentence.stamp or hit.locator


def _record_owner(source: Source, evidence: AccountEvidence) -> str | None:
    """The contact a CRM record's own text is about (agents.crm.record_subject)."""
    record = evidence.record(source.id)
    return record_subject(record) if record is not None else None


@dataclass(frozen=True)
class EmailAuthor:
    """Who wrote a logged email with one From line: the record's own contact, or someone else (our rep)."""

    key: str | None  # the record's contact, when they wrote it
    someone_else: bool


def _email_author(source: Source, evidence: AccountEvidence, owner: str | None, directory: Directory) -> EmailAuthor:
    record = evidence.record(source.id) if owner else None
    senders = email_senders(record) if record is not None and record.type in ACTIVITY_TYPES else []
    # one writer, though a forward repeats their From line ("FW: ... my view" sent on by its own author)
    if len({" ".join(_ADDRESS.sub(" ", sender).strip(" \"'<>").split()).lower() for sender in senders}) != 1:
        return EmailAuthor(None, False)
    person = directory.resolve(senders[0])
    theirs = person is not None and person.key == owner
    return EmailAuthor(owner if theirs else None, not theirs)


_RULE = re.compile(r"^\s*(?:-{3,}|\*{3,}|_{3,})\s*$", re.MULTILINE)
_QUOTED = re.compile(r"[ \t]*>")
_UNQUOTED_LINE = re.compile(r"^[ \t]*[^>\s]", re.MULTILINE)


def pasted_emails(text: str, directory: Directory) -> list[tuple[int, int, EmailAuthor]]:
    """The emails pasted into a note, each from its From line to the next From line or rule ("---"), or, pasted as
    a quote ("> From: ..."), to the first line that is not quoted; and who wrote it: a person of the directory (their
    "I" is theirs, as in a logged email), or someone else (our rep)."""
    starts = list(_FROM_LINE.finditer(text))
    emails = []
    for n, header in enumerate(starts):
        ends = [m.start() for m in _RULE.finditer(text, header.end())][:1]
        line_start = text.rfind("\n", 0, header.start("who")) + 1
        if _QUOTED.match(text, line_start) and (after := _UNQUOTED_LINE.search(text, header.end())):
            ends.append(after.start())  # the note's writer speaks again below the quote
        if n + 1 < len(starts):
            ends.append(starts[n + 1].start())
        sender = " ".join(_ADDRESS.sub(" ", header.group("who")).strip(" *_\"'<>").split())
        person = directory.resolve(sender) if sender else None
        written = EmailAuthor(person.key, False) if person is not None else EmailAuthor(None, True)
        emails.append((header.start(), min(ends, default=len(text)), written))
    return emails


@dataclass
class _Reading:
    """What reading the retrieved chunks produced."""

    findings: list[Finding] = field(default_factory=list)
    new_people: dict[str, Person] = field(default_factory=dict)
    engaged: dict[str, Finding] = field(default_factory=dict)  # the first line showing each person engaging with us
    engaged_last: dict[str, date] = field(default_factory=dict)  # the newest day each person engaged with us
    not_yet_engaged: dict[str, date] = field(default_factory=dict)  # the newest day a writer said we had not
    warnings: list[str] = field(default_factory=list)

    def newer_engagement(self, key: str, day: date | None) -> bool:
        """Whether a line of this day could show more than what is known of the person's engagement."""
        return key not in self.engaged or (day or date.min) > self.engaged_last[key]

    def engage(self, finding: Finding) -> None:
        self.engaged.setdefault(finding.key, finding)
        self.engaged_last[finding.key] = max(finding.day or date.min, self.engaged_last.get(finding.key, date.min))


def read_hits(
    hits: Sequence[Hit],
    evidence: AccountEvidence,
    directory: Directory,
    competitors: Sequence[str],
    ours: Sequence[str] = (),
) -> _Reading:
    """Apply every rule to every sentence a reader sees in the retrieved chunks of this account, up to `as_of`."""
    reading = _Reading()
    customer = customer_names(evidence)
    not_names = organisation_words(evidence)
    staff = seller_staff(evidence)
    usable: list[tuple[Hit, Source, str]] = []
    flagged: set[str] = set()  # sources whose instruction-like text was already reported
    foreign = 0
    for hit in hits:
        source = evidence.sources.get(hit.source_id)
        if source is None:
            foreign += 1
            continue
        if source.date is not None and source.date > evidence.as_of:
            continue
        usable.append((hit, source, visible_text(hit, source)))
        if source.id not in flagged and (blocks := untrusted_blocks(source)):
            flagged.add(source.id)
            reading.warnings.append(f"Skipped instruction-like text in source {source.id}: {blocks[0][:80]!r}")
    if foreign:
        reading.warnings.append(f"Ignored {foreign} retrieved chunk(s) from sources outside this account.")

    # First pass: people who arrived, so later rules can attach facts to them too.
    for _, source, visible in usable:
        said_before = ""  # the sentence before, for a "she" that opens this one
        for sentence in split_sentences(
            visible, transcript=source.type is SourceType.call, speakers=speakers_of(source)
        ):
            just_before, said_before = said_before, sentence.text
            if looks_like_instruction(sentence.text):
                continue
            voice = source.type is SourceType.call and bool(
                sentence.speaker and directory.resolve(sentence.speaker)
            )
            cues = [
                *arrival_cues(sentence.text, customer_voice=voice),
                *(  # a person introduced with a title is new to us only when the sentence says they are new
                    c for c in titled_person_cues(sentence.text, customer_voice=voice, customer=customer,
                                                  not_names=not_names)
                ),
            ]
            leaving = departure_cues(sentence.text, customer)
            for cue in cues:
                if any(d.start < cue.end and cue.start < d.end for d in leaving):
                    continue  # "Jonah joined Summit Trail as CTO": joining someone else is leaving us
                name = cue.name or (display_name(sentence.speaker) if cue.first_person and sentence.speaker else None)
                if name is None and not cue.first_person:  # "We've got Priya Raman now. She started … as CDO."
                    before = [n for n in _full_names(just_before, not_names) if " ".join(n.split()).lower()
                              not in staff]
                    name = before[0] if len(before) == 1 else None
                if not name or not plausible_name(name) or any(w.lower() in not_names for w in name.split()):
                    continue  # "Helix/Qualis Tomasz": a product's word makes no new person
                if " ".join(name.split()).lower() in staff:
                    continue  # our own account executive's signature
                if directory.resolve(name) is None:
                    person = Person(person_key(name), " ".join(name.split()))
                    directory.add(person)
                    reading.new_people[person.key] = person

    # per note: its topic lines, its line starts and the emails pasted into it
    topics_by_source: dict[str, tuple[dict[int, str], list[int], list[tuple[int, int, EmailAuthor]]]] = {}
    small_letters_by_source: dict[str, bool] = {}  # whether each note is written in small letters, read once
    for hit, source, visible in usable:
        owner = _record_owner(source, evidence) if source.type is SourceType.crm else None
        author = _email_author(source, evidence, owner, directory)
        last_person: str | None = None
        just_named: str | None = None
        if source.type is SourceType.note and source.id not in topics_by_source:
            starts = [0, *(i + 1 for i, ch in enumerate(source.text) if ch == "\n")]
            topics_by_source[source.id] = (
                note_topics(source.text, directory), starts, pasted_emails(source.text, directory)
            )
        topics, line_starts, emails = topics_by_source.get(source.id, ({}, [0], []))
        at = max(0, source.text.find(hit.text)) if source.type is SourceType.note else 0  # the chunk's place in it
        named: list[str] = []  # people named so far in this paragraph (or speaker's turn)
        if source.id not in small_letters_by_source:
            small_letters_by_source[source.id] = source.type is SourceType.note and in_small_letters(source.text)
        small_letters = small_letters_by_source[source.id]
        informants: list[str] = []  # people this paragraph shows telling us things
        previous: Sentence | None = None
        sentences = split_sentences(visible, transcript=source.type is SourceType.call, speakers=speakers_of(source))
        if source.type is not SourceType.call:
            sentences = chat_lines(visible, sentences)
        for sentence in sentences:
            gap = visible[previous.end : sentence.start] if previous is not None else ""
            line = visible[visible.rfind("\n", 0, sentence.start) + 1 : sentence.start + 1]
            new_block = "\n\n" in gap or ("\n" in gap and _BLOCK_START.match(line))
            if new_block or (previous is not None and previous.speaker != sentence.speaker):
                named, informants, last_person, just_named = [], [], None, None
            block = sentence
            # a signature on its own line ("Hayashi Mika QA Manager, Sakurada Passive Components"), or run into its
            # sign-off's ("Best regards / Mit freundlichen Grüßen Katrin Vogel Head of ...", "Vikram -- Vikram Rao")
            signed = signature_title(sentence.text, directory, customer)
            for sign_off in _SIGN_OFF.finditer(sentence.text):
                words = set(re.findall(r"\w+", sentence.text[: sign_off.start()].lower()))
                if sign_off.group().strip() == "--" or words <= _SIGN_OFF_WORDS:
                    signed = signature_title(sentence.text[sign_off.end() :], directory, customer) or signed
            if signed is None and previous is not None and gap.strip(" \t") == "\n" and len(previous.text.split()) <= 5:
                signed = signature_title(f"{previous.text} {sentence.text}", directory, customer)
                block = Sentence(visible[previous.start : sentence.end], previous.start, sentence.end)
            if signed:
                key, title = signed
                signature = _SentenceContext(
                    hit, source, block, [], owner, None, None, ours, customer, not_names, None, None, author
                )
                reading.findings.append(signature.finding(key, "title", title, Cue(0, len(block.text), title)))
            previous = sentence
            if looks_like_instruction(sentence.text):
                if source.id not in flagged:
                    flagged.add(source.id)
                    reading.warnings.append(
                        f"Skipped instruction-like text in source {source.id}: {sentence.text[:80]!r}"
                    )
                continue
            found = directory.find(sentence.text, lower_case=small_letters)
            writer = directory.resolve(sentence.speaker) if sentence.speaker else None
            # inside an email pasted into a note, its sender writes ("I" is theirs), not the note's author
            here = next((e for a, b, e in emails if a <= at + sentence.start < b), author)
            # A chat line pasted into a note shows its writer talking with us, but its "I" is read no further
            # (a note's "I" is its author's), so the writer is engaged and speaks for no cue.
            speaker = writer if source.type is SourceType.call else None
            context = _SentenceContext(
                hit, source, sentence, found, owner, last_person, speaker.key if speaker else None, ours, customer,
                not_names, topics.get(bisect_right(line_starts, at + sentence.start) - 1) if topics else None,
                informants[0] if len(set(informants)) == 1 else None, here, just_named,
            )
            reading.findings.extend(_sentence_findings(context, directory, competitors))
            whole = Cue(0, len(sentence.text), True)
            if emails and here.key is not None and reading.newer_engagement(here.key, source.date):  # they wrote
                reading.engage(context.finding(here.key, "engaged", True, whole))
            # What a customer says on a call about a colleague ("Priya agreed to the budget") is second-hand.
            second_hand = writer is not None and source.type is SourceType.call
            for mention in [] if second_hand else found:
                if (
                    reading.newer_engagement(mention.key, source.date) and source.type is not SourceType.crm
                    and directly_engaged(sentence.text, mention, found)
                ):
                    reading.engage(context.finding(mention.key, "engaged", True, Cue(mention.start, mention.end, True)))
            if (
                not found and last_person is not None and reading.newer_engagement(last_person, source.date)
                and source.type is not SourceType.crm and (pronoun := _STARTS_WITH_PRONOUN.match(sentence.text))
                and directly_engaged(sentence.text, Mention(last_person, pronoun.end() - 3, pronoun.end()))
            ):  # "Frau Simon was there. She asked only about payment terms."
                reading.engage(context.finding(last_person, "engaged", True, whole))
            if writer is not None and reading.newer_engagement(writer.key, source.date):
                reading.engage(context.finding(writer.key, "engaged", True, whole))
            if source.type is SourceType.note and (unmet := never_engaged(sentence.text, found)) is not None:
                said = source.date or date.min
                reading.not_yet_engaged[unmet] = max(said, reading.not_yet_engaged.get(unmet, date.min))
            if source.type is SourceType.note:
                informants += [m.key for m in found if directly_engaged(sentence.text, m, found)]
            named += [m.key for m in found]
            people = list(dict.fromkeys(m.key for m in found))
            if len(set(named)) > 1:
                last_person = None  # two people in this passage: a following "she" is evidence for nobody
            elif len(people) == 1 and not _STARTS_WITH_PRONOUN.match(sentence.text):
                last_person = people[0]  # the one person named: a following "she" means them
            just_named = people[0] if len(people) == 1 else None
    # "Dirk sends us tickets, but I have never really spoken with him": no engagement until something newer shows it
    for key, said in reading.not_yet_engaged.items():
        if key in reading.engaged and reading.engaged_last[key] <= said:
            del reading.engaged[key]
    return reading


def read_account(hits: Sequence[Hit], evidence: AccountEvidence, directory: Directory) -> _Reading:
    """What the retrieved evidence says of the directory's people, with the account's own product names and its
    competitors as notes call them: the one reading both the stakeholder map and the QBR brief draw on."""
    ours = our_names(evidence)
    competitors = competitor_aliases(evidence, [*ours, *(p.name for p in directory.people.values())])
    directory.ordinary = everyday_words(evidence)
    return read_hits(hits, evidence, directory, competitors, ours)


def everyday_words(evidence: AccountEvidence) -> frozenset[str]:
    """Every word the account's notes, calls and CRM text write in lower case somewhere: a family name among
    them ("Price", "Long") is too ordinary to stand for its person alone. Text written all in small letters
    says nothing of which words are names, so it is not counted."""
    return frozenset(
        word.replace("'", "")
        for source in evidence.sources.values()
        if not in_small_letters(source.text)
        for word in re.findall(r"(?<![\w'’])[a-zà-ÿ][a-zà-ÿ'’-]+", _ADDRESS.sub(" ", source.text))
    )


_SENTENCE_OPENING = re.compile(r"(?:^|[.!?]\s+|\n\s*(?:[-*•]\s*)?)([^\W\d_])")


def in_small_letters(text: str) -> bool:
    """Whether a writer leaves most sentences and lines without a capital ("rang dazza this arvo. he'll get us in
    front of priya"): scratch notes whose names are in small letters too."""
    openings = _SENTENCE_OPENING.findall(text)
    return len(openings) >= 5 and sum(c.islower() for c in openings) > len(openings) / 2


_ADDRESS = re.compile(r"\S+@\S+|\b(?:https?://|www\.)\S+")  # "wolfgang.brandtner@..." writes no word


_BLOCK_START = re.compile(r"^\s*(?:[-*•]|\d+[.)]|#{1,6})\s")  # a bullet, numbered item or heading starts afresh
_HEADING_LINE = re.compile(r"^\s{0,3}#{1,6}\s+")
_LABEL_LINE = re.compile(r"^\s*(?:[-*•]\s+)?(?P<label>[^:—–]{2,80}?)\s*(?::|\s[—–]\s)\s*(?P<rest>.*)$")
_INDENT = re.compile(r"^(?:\s{2,}|\t)[-*•]")


def note_topics(text: str, directory: Directory) -> dict[int, str]:
    """Line number → the one person a note puts that line under, so "- Positive on the pilot" is about them.

    A heading that names exactly one person ("### Dana Whitfield (VP Ops)") covers the lines up to
    the next heading; a label ("- **Dana Whitfield**:" or "Dana — ...") covers its own line and the
    sub-bullets indented under it. A heading or label naming nobody, or several people, covers nobody.
    """
    topics: dict[int, str] = {}
    heading: str | None = None
    label: str | None = None
    for number, line in enumerate(text.split("\n")):
        if _HEADING_LINE.match(line):
            people = {m.key for m in directory.find(line)}
            heading, label = (people.pop() if len(people) == 1 else None), None
        elif _INDENT.match(line):
            pass  # a sub-bullet stays under the label above it
        else:
            match = _LABEL_LINE.match(re.sub(r"\*\*|__", "", line))
            text = match.group("label") if match else ""
            people = {m.key for m in directory.find(text)}
            label = people.pop() if len(people) == 1 and len(text.split()) <= 8 else None
        if topic := label or heading:
            topics[number] = topic
    return topics


_OPEN_QUOTE = re.compile(r"(?:(?<=\s)|(?<=^)|(?<=:))['‘“\"](?=\w)")
_QUOTE_INTRO = re.compile(
    r"(?:\s+(?:said|says|wrote|writes|emailed|e-mailed|replied|texted|messaged|told\s+(?:us|me)|put\s+it|added))?"
    r"\s*[:,]?\s*$",
    re.IGNORECASE,
)


def quoted_speaker(sentence: str, at: int, found: Sequence[Mention]) -> str | None:
    """The person whose quoted words `at` sits in: "Dana emailed: '…'", "Dana said, “…”"; else None."""
    opens = [m for m in _OPEN_QUOTE.finditer(sentence[:at])]
    if not opens:
        return None
    start = opens[-1].start()
    closer = {"‘": "’", "“": "”"}.get(sentence[start], sentence[start])
    if re.search(rf"{re.escape(closer)}(?!\w)", sentence[start + 1 : at]):
        return None  # that quotation closed before the cue
    before = [m for m in found if m.end <= start]
    if before and _QUOTE_INTRO.fullmatch(sentence[before[-1].end : start]):
        return before[-1].key
    return None


@dataclass(frozen=True)
class _SentenceContext:
    hit: Hit
    source: Source
    sentence: Sentence
    found: list[Mention]
    owner: str | None
    last_person: str | None
    speaker: str | None
    ours: Sequence[str] = ()
    customer: Sequence[str] = ()
    not_names: frozenset[str] = frozenset()
    topic: str | None = None  # the person a note's heading or label line puts this line under
    informant: str | None = None  # the one person this note's paragraph shows telling us things
    author: EmailAuthor = EmailAuthor(None, False)  # who wrote a logged email
    just_named: str | None = None  # the one person the sentence before named, whoever else the passage named

    @property
    def our_voice(self) -> bool:
        """Whether the sentence is in our own words: a note or log of ours, not a call's turn or an email someone
        pasted in, where "our" is the customer's or unsure."""
        return self.source.type is not SourceType.call and self.author == EmailAuthor(None, False)

    def voice_of(self, cue: Cue) -> str | None:
        """The speaker or the email's author, when the cue's clause is in their own first person ("if it were
        my call, we'd already be on Arcadia") and nobody else is its subject."""
        text = self.sentence.text
        breaks = [*_CLAUSE_BREAK.finditer(text, 0, cue.start), *_ASIDE_BREAK.finditer(text, 0, cue.start)]
        said = self._own_words(max((m.end() for m in breaks), default=0), cue.start, _OWN_VOICE)
        if said is None:
            return None
        voice, own = said
        opens = _THIRD_PERSON_AT.match(text, cue.start)  # "I forwarded it to Petra, she is our buyer": hers
        return None if _THIRD_PERSON.search(text, own.end(), opens.end() if opens else cue.start) else voice

    def own_gain(self, gain: Cue) -> str | None:
        """The speaker or email author who measures a gain of their own ("We're two working days quicker")."""
        start = clause_start(self.sentence.text, gain.start)
        said = self._own_words(start, gain.start, _WE_OR_I)
        return None if said is None or _THIRD_PERSON.search(self.sentence.text, start, gain.start) else said[0]

    def _own_words(self, start: int, end: int, pronouns: re.Pattern[str]) -> tuple[str, re.Match[str]] | None:
        """The speaker or email author and their last first-person word between `start` and `end`, when nobody
        else is named there."""
        voice = self.speaker or self.author.key
        if voice is None or any(start <= m.start < end for m in self.found):
            return None
        own = list(pronouns.finditer(self.sentence.text, start, end))
        return (voice, own[-1]) if own else None

    def who(self, cue: Cue, directory: Directory, *, loose: bool = False) -> str | None:
        """Who the cue is about: a captured name, a mention, an antecedent, the speaker, the record's contact."""
        text = self.sentence.text
        if cue.name:
            person = directory.resolve(cue.name)
            return person.key if person else None
        if quoted := quoted_speaker(text, cue.start, self.found):
            return quoted  # "Dana emailed: 'Happy with it — but I won't champion it'": Dana's own words
        if cue.first_person:  # a logged email's "I" is its writer's, for what they say of themselves
            own = self.speaker or (self.author.key if isinstance(cue.value, Stance) else None)
            if own or not isinstance(cue.value, Stance):
                return own
        if voice := self.voice_of(cue):
            return voice
        if key := subject_of(text, cue, self.found, loose=loose):
            return key
        before = text[: cue.start]
        clause = _CLAUSE_BREAK.split(before)[-1]
        talking = self.speaker or (self.author.key if loose else None)  # whose "I" it is; for a stance, an email's too
        if _PRONOUN.search(clause) and not _OTHER_SUBJECT.search(clause):
            before_cue = [m for m in self.found if m.end <= cue.start]
            earlier = [m for m in before_cue if not is_object(text, m)]
            if not earlier and (first := _PRONOUN.search(text)):
                # "Nathan's email was clear: he'd rather ...": an object or possessive stands for a pronoun it precedes
                earlier = [m for m in before_cue if m.end <= first.start()]
            if earlier or not self.found or _STARTS_WITH_PRONOUN.match(text):
                resolved = earlier[-1].key if earlier else self.last_person
                # "She came in and pitched it herself" is nobody we can tell; "get in touch with her, and feel free to
                # say I sent you" is the writer's own stance
                if resolved or not (loose and talking) or _THIRD_PERSON.search(before):
                    return resolved
        if not self.found and self.last_person and _LABEL_ONLY.match(text):
            return self.last_person
        if not self.found and self.last_person and self.source.type is SourceType.note and (
            _SUBJECTLESS.match(text) or (loose and _OPENS_FRAGMENT.match(before))
        ):
            return self.last_person
        if not self.found and talking and ((firsts := list(_FIRST_PERSON.finditer(before))) or loose):
            # A stance said in someone's own turn or email with nobody else its subject is theirs ("the demo was the
            # best we've seen"); "I think they'd rather ..." is someone else's view, reported.
            if firsts:
                someone_else = _THIRD_PERSON.search(before, firsts[-1].end())
            else:
                someone_else = _SOMEONE_ELSE.search(before, clause_start(before, len(before)))
            if not someone_else:
                return talking
            if self.speaker:
                return None
        if not self.found and self.topic and not _PRONOUN.search(clause) and not _OTHER_SUBJECT.search(clause):
            return self.topic
        if not self.found and self.owner and not (self.author.someone_else and _OWN_VOICE.search(before)):
            if self.author.key == self.owner and _THIRD_PERSON.search(text[clause_start(text, cue.start) : cue.end]):
                return None  # their own email's "she is our Purchasing Manager" is about someone else
            return self.owner  # (our rep's "I'm happy with this" in an email to them is not theirs)
        return None

    def finding(
        self, key: str, field_name: str, value: Any, cue: Cue, extra: Sequence[tuple[int, int]] = ()
    ) -> Finding:
        spans = [(cue.start, cue.end), *extra]
        quoted = quote(self.hit.text, self.sentence, spans)
        return Finding(
            key=key,
            field=field_name,
            value=value,
            citation=Citation(source_id=self.source.id, quote=quoted, locator=_locator(self.hit, self.sentence)),
            day=self.source.date,
            source_id=self.source.id,
            source_type=self.source.type,
            weight=cue.weight,
            refusal=cue.refusal,
        )


def _sentence_findings(ctx: _SentenceContext, directory: Directory, competitors: Sequence[str]) -> list[Finding]:
    text = ctx.sentence.text
    out: list[Finding] = []
    mention_spans = [(m.start, m.end) for m in ctx.found]
    leaving: set[str] = set()
    for cue in departure_cues(text, ctx.customer):
        if key := ctx.who(cue, directory):
            leaving.add(key)
            out.append(ctx.finding(key, "status", StakeholderStatus.departed, cue, mention_spans[:1]))
    for cue in arrival_cues(text, customer_voice=ctx.speaker is not None):
        key = ctx.who(cue, directory)
        if key is None and cue.name is None and not cue.first_person:
            key = ctx.just_named  # "And we've got Priya Raman now. She started in September as CDO."
        if key and key not in leaving:  # "joined Stripe as CFO" is no arrival here
            out.append(ctx.finding(key, "status", StakeholderStatus.active, cue))
            if cue.value:
                out.append(ctx.finding(key, "title", cue.value, cue))
    for cue in titled_person_cues(
        text, customer_voice=ctx.speaker is not None, customer=ctx.customer, not_names=ctx.not_names
    ):
        person = directory.resolve(cue.name or "")
        if person is not None and person.key.startswith("person:"):  # known only from the evidence: a new face
            if cue.weight >= 2:
                out.append(ctx.finding(person.key, "status", StakeholderStatus.active, cue))
            out.append(ctx.finding(person.key, "title", cue.value, cue))
    for cue in title_change_cues(text):
        if directory.find(str(cue.value)):
            continue  # "he is the CFO Duncan Ferrier": a title that runs into a name is a name's label
        if _elsewhere(text[text.find(str(cue.value), cue.start) + len(str(cue.value)) :], ctx.customer):
            continue  # "now COO at Kettleby Foods": a title at another organisation is not theirs here
        if key := ctx.who(cue, directory):
            out.append(ctx.finding(key, "title", cue.value, cue, mention_spans[:1]))
    for cue in reports_to_cues(text):
        manager = directory.resolve(cue.value)
        manager_name = manager.name if manager else (cue.value if plausible_name(cue.value) else None)
        found = [m for m in ctx.found if not (m.start >= cue.start and m.end <= cue.end)]
        subject_cue = Cue(cue.start, cue.start + 1, None)
        key = subject_of(text, subject_cue, found) if found else ctx.who(subject_cue, directory)
        if key and manager_name and (manager is None or manager.key != key):
            out.append(ctx.finding(key, "reports_to", manager_name, cue, mention_spans[:1]))
    for cue in role_cues(text):
        if key := ctx.who(cue, directory):
            out.append(ctx.finding(key, "buying_role", cue.value, cue, mention_spans[:1]))
    for cue in current_stance_cues(text, stance_cues(text, competitors, ctx.ours, our_voice=ctx.our_voice)):
        if cue.value is Stance.champion and ctx.source.type is SourceType.crm and not ctx.author.key and (
            not text[: cue.start].strip(" -*•\t")
        ):
            continue  # "Presented Axlent portfolio and the Valencia case.": our own log, so our own pitch
        if _MOOD_ONLY.fullmatch(text[cue.start : cue.end]) and _SOMETHING_ELSE_FEELS.search(
            text[clause_start(text, cue.start) : cue.start]
        ):
            continue  # "More is not okay, the night shift is already angry": the night shift's mood
        # Inside information belongs to whoever gives it: on a call the speaker, in a logged email its writer,
        # unless a named person precedes the cue ("Between us, procurement is leaning to the cheaper bid").
        giver = ctx.speaker or ctx.author.key or ctx.informant or ctx.topic
        named_before = any(m.end <= cue.start for m in ctx.found)
        if (
            giver is None and not named_before and ctx.source.type is SourceType.note
            and _WRITERS_ASIDE.fullmatch(text[cue.start : cue.end])
        ):
            continue  # "Haven't met her yet, and between you and me ...": our writer confiding in the reader
        speaking = cue.value is Stance.coach and giver and not named_before
        # A verdict on what we sold has a thing for its subject; whoever is talking gives it, unless a person named
        # before it is the one said to give it ("Martin said the fix was good").
        if not named_before and _is_verdict(text[cue.start : cue.end], ctx.ours) and (ctx.speaker or ctx.author.key):
            key = ctx.speaker or ctx.author.key
        else:
            key = giver if speaking else ctx.who(cue, directory, loose=True)
        if key:
            out.append(ctx.finding(key, "stance", cue.value, cue, mention_spans[:1]))
    gain = None if any(f.field == "stance" for f in out) else reported_gain(text)
    if gain is not None and (key := ctx.own_gain(gain)):
        out.append(ctx.finding(key, "stance", Stance.supporter, gain, mention_spans[:1]))
    return out


# A gain measured in the customer's own words is a positive view of what produced it (DESIGN.md: supporter).
_GAIN = re.compile(
    r"\b(?:faster|quicker|saved|saves|saving|improved|better\s+than|freed\s+up|fewer|less\s+(?:time|downtime|rework"
    r"|manual|chasing|firefighting))\b",
    re.IGNORECASE,
)
_A_FIGURE = re.compile(
    r"\d|\b(?:two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|forty|fifty|half|hundreds?"
    r"|thousands?|double|twice)\b",
    re.IGNORECASE,
)


def reported_gain(sentence: str) -> Cue | None:
    """A weak supporter cue where a sentence measures a gain ("two working days quicker", "saving 3 hours a week")."""
    gain = _GAIN.search(sentence)
    if gain is None or not _A_FIGURE.search(sentence) or is_hedged(sentence, gain.start(), 3):
        return None
    return Cue(gain.start(), gain.end(), Stance.supporter, weight=1)


# A stance told as the past: "I was not a fan in the spring", "I was the loudest voice against this in April"
_WAS = re.compile(r"\b(?:I|he|she|they|we)\s+(?:was|were)\b", re.IGNORECASE)
_PAST_TIME = re.compile(
    rf"\b(?:in\s+(?:the\s+)?(?:spring|summer|autumn|fall|winter|{MONTH_WORD})|last\s+(?:year|spring|summer|autumn"
    r"|winter)|back\s+then|at\s+(?:first|the\s+start)|originally|before\s+(?:the\s+)?go-?live)\b",
    re.IGNORECASE,
)


def current_stance_cues(sentence: str, cues: list[Cue]) -> list[Cue]:
    """When a sentence contrasts then and now ("in March she was blocking it; now she sells it"), only now counts;
    a stance the sentence tells as the past ("I was not a fan in the spring") is not a current one."""
    if _PAST_TIME.search(sentence):
        cues = [cue for cue in cues if not _WAS.search(sentence, 0, cue.start)]
    if len({cue.value for cue in cues}) < 2:
        return cues
    markers = [m.start() for m in _TURN_MARKER.finditer(sentence)]
    later = [cue for cue in cues if markers and cue.start > markers[-1]]
    return later or cues


# ---------------------------------------------------------------------------
# CRM facts
# ---------------------------------------------------------------------------


@dataclass
class Fact:
    """A field value and the citations it rests on; `confidence` reflects that basis."""

    value: Any
    citations: list[Citation]
    confidence: float
    reason: str = ""
    day: date | None = None


@dataclass
class Proposal:
    """Everything the engine believes about one person, field by field."""

    key: str
    name: str
    name_citations: list[Citation]
    in_crm: bool
    facts: dict[str, Fact] = field(default_factory=dict)


def _crm_citation(evidence: AccountEvidence, record_id: str, field_name: str) -> Citation | None:
    line = evidence.field_line(record_id, field_name)
    if line is None:
        return None
    return Citation(source_id=record_id, quote=line, locator=f"{_sobject(evidence, record_id)}.{field_name}")


def _sobject(evidence: AccountEvidence, record_id: str) -> str:
    record = evidence.record(record_id)
    return record.type if record else "Record"


def _opportunity_rank(evidence: AccountEvidence, role: CrmRecord) -> tuple[bool, date, bool]:
    """Open opportunities first, then the most recent close date, then the primary contact role."""
    opportunity = evidence.record(role.get("OpportunityId"))
    is_open = True
    close = date.min
    if opportunity is not None:
        closed = opportunity.get("IsClosed")
        stage = str(opportunity.get("StageName") or "").lower()
        is_open = not (closed is True or stage.startswith("closed"))
        close = parse_day(opportunity.get("CloseDate")) or date.min
    return (is_open, close, bool(role.get("IsPrimary")))


def crm_buying_role(evidence: AccountEvidence, roles: list[CrmRecord]) -> Fact | None:
    """The buying role from the contact's roles on opportunities, preferring the most recent or open one."""
    ranked = sorted(roles, key=lambda r: _opportunity_rank(evidence, r), reverse=True)
    for role in ranked:
        value = buying_role_of(role.get("Role"))
        if value is None:
            continue
        citation = _crm_citation(evidence, role.id, "Role")
        opportunity = evidence.record(role.get("OpportunityId"))
        where = f" on {opportunity.get('Name')}" if opportunity is not None and opportunity.get("Name") else ""
        return Fact(
            value=value,
            citations=[citation] if citation else [],
            confidence=CRM_CONFIDENCE,
            reason=f"{role.get('Role')}{where}",
        )
    return None


STRONG_WINDOW_DAYS = 60
STRONG_TOUCHES = 3
RECENT_DAYS = 90
STALE_DAYS = 180


def relationship_strength(touches: Sequence[date], as_of: date) -> Strength:
    """DESIGN.md's strength from the days of two-way touches up to as_of (one interaction, one day).

    strong: 3+ in the 60 days before as_of; moderate: last within 90 days and more than one in all;
    weak: a single touch ever, or the last 90–180 days ago; none: never, or nothing in 180 days.
    """
    days = sorted({day for day in touches if day <= as_of}, reverse=True)
    if not days:
        return Strength.none
    age = (as_of - days[0]).days
    if age > STALE_DAYS:
        return Strength.none
    if sum(1 for day in days if (as_of - day).days <= STRONG_WINDOW_DAYS) >= STRONG_TOUCHES:
        return Strength.strong
    if len(days) == 1:
        return Strength.weak
    return Strength.moderate if age <= RECENT_DAYS else Strength.weak


@dataclass(frozen=True)
class Touch:
    """One two-way interaction with a person: when, and the line that shows it."""

    day: date
    citation: Citation | None


_EMAIL_TYPE = re.compile(r"\bemail\b", re.IGNORECASE)
_FROM_LINE = re.compile(r"^\W*from\s*:\s*(?P<who>.+)$", re.IGNORECASE | re.MULTILINE)
_NO_REPLY = re.compile(r"\bno\s+(?:reply|response|answer)\b|\bunanswered\b|\bnot\s+(?:yet\s+)?(?:replied|responded)\b"
                       r"|\bawaiting\s+(?:a\s+)?(?:reply|response)\b|\bhaven['’]t\s+heard\s+back\b", re.IGNORECASE)
_ATTENDEES = re.compile(
    r"^\W*(?:attendees?|participants?|present|attended)\s*:\s*(?P<names>.+)$", re.IGNORECASE | re.MULTILINE
)


def _is_email(activity: CrmRecord) -> bool:
    kinds = " ".join(str(activity.get(f) or "") for f in ("TaskSubtype", "Type", "EventSubtype"))
    return bool(_EMAIL_TYPE.search(kinds)) or str(activity.get("Subject") or "").lower().startswith("email")


def email_senders(activity: CrmRecord) -> list[str]:
    """Who a logged email's From lines name, in order."""
    return [m.group("who") for m in _FROM_LINE.finditer(str(activity.get("Description") or ""))]


def _sent_by(activity: CrmRecord, contact: CrmRecord, name: str) -> bool:
    """Whether a logged email counts as their touch: they wrote it, or (no From line) it was not left unanswered."""
    text = f"{activity.get('Description') or ''}"
    senders = email_senders(activity)
    if senders:
        email = str(contact.get("Email") or "").lower()
        return any(mentions(who, name) or (email and email in who.lower()) for who in senders)
    return not _NO_REPLY.search(f"{activity.get('Subject') or ''} {text}")


def _activity_citation(evidence: AccountEvidence, activity: CrmRecord) -> Citation | None:
    for field_name in ("ActivityDate", "ActivityDateTime", "StartDateTime", "CreatedDate"):
        if citation := _crm_citation(evidence, activity.id, field_name):
            return citation
    return None


def touches_by_contact(evidence: AccountEvidence, contacts: Sequence[CrmRecord]) -> dict[str, list[Touch]]:
    """Each Contact's two-way touches up to as_of: Tasks and Events with them (an Event's attendee line
    too), calls they spoke in, emails they sent. Open Tasks, unanswered outbound emails and Cases do not count."""
    return touches_by_person(evidence, {c.id: contact_name(c) for c in contacts if contact_name(c)}, contacts)


def touches_by_person(
    evidence: AccountEvidence, names: dict[str, str], contacts: Sequence[CrmRecord] = ()
) -> dict[str, list[Touch]]:
    """touches_by_contact for people by name: someone with no Contact is touched only by the Events whose
    attendee line names them and the calls they spoke in (no Task or logged email is theirs by WhoId)."""
    directory = Directory(Person(key, name) for key, name in names.items())
    by_id = {c.id: c for c in contacts}
    touches: dict[str, list[Touch]] = defaultdict(list)
    for activity in [*evidence.of_type("Task"), *evidence.of_type("Event")]:
        day = evidence.activity_date(activity)
        if day is None or day > evidence.as_of:
            continue
        if activity.type == "Task" and is_open_task(activity):
            continue
        citation = _activity_citation(evidence, activity)
        who = activity.get("WhoId")
        people = {who} if isinstance(who, str) and who in by_id else set()
        if activity.type == "Event":
            for line in _ATTENDEES.finditer(str(activity.get("Description") or "")):
                people |= {m.key for m in directory.find(line.group("names"))}
        for key in people:
            if _is_email(activity) and not _sent_by(activity, by_id[key], names.get(key, "")):
                continue
            touches[key].append(Touch(day, citation))
    for source in evidence.narrative_sources():
        if source.type is not SourceType.call or source.date is None or source.date > evidence.as_of:
            continue
        spoke: set[str] = set()  # one touch per call, cited by the person's first line
        for sentence in split_sentences(source.text, transcript=True, speakers=speakers_of(source)):
            person = directory.resolve(sentence.speaker) if sentence.speaker else None
            if person is None or person.key in spoke:
                continue
            spoke.add(person.key)
            said = source.text[: sentence.end].rsplit("\n", 1)[-1]
            citation = Citation(source_id=source.id, quote=said, locator=sentence.stamp or "call")
            touches[person.key].append(Touch(source.date, citation))
    return dict(touches)


def crm_engagement(evidence: AccountEvidence, touches: Sequence[Touch], departed: bool) -> tuple[Fact, Fact | None]:
    """Strength and last contact from a person's touches; someone who left has none."""
    dated = sorted(touches, key=lambda t: t.day, reverse=True)
    days = sorted({t.day for t in dated}, reverse=True)
    strength = Strength.none if departed else relationship_strength(days, evidence.as_of)
    recent = sum(1 for day in days if (evidence.as_of - day).days <= STRONG_WINDOW_DAYS)
    citations = list(dict.fromkeys(t.citation for t in dated[:3] if t.citation is not None))[:2]
    if departed:
        reason = "left the company"
    elif days:
        reason = (
            f"{recent} of {len(days)} days with two-way touches in the last {STRONG_WINDOW_DAYS} days; last {days[0]}"
        )
    else:
        reason = "no two-way touches"
    strength_fact = Fact(strength, citations, CRM_CONFIDENCE, reason)
    last = Fact(days[0], citations[:1], CRM_CONFIDENCE, f"last touch {days[0]}") if days else None
    return strength_fact, last


def crm_proposals(evidence: AccountEvidence) -> dict[str, Proposal]:
    """One proposal per Contact, from its fields, its opportunity roles and its activities."""
    names = evidence.contact_names()
    roles = evidence.roles_by_contact()
    contacts = stakeholder_contacts(evidence)
    touches = touches_by_contact(evidence, contacts)
    field_map = evidence.field_map
    proposals: dict[str, Proposal] = {}
    for contact in contacts:
        name = contact_name(contact)
        if not name:
            continue
        name_citation = _crm_citation(evidence, contact.id, "Name") or (
            Citation(source_id=contact.id, quote=line, locator="Contact")
            if (line := evidence.title_line(contact.id))
            else None
        )
        proposal = Proposal(contact.id, name, [name_citation] if name_citation else [], in_crm=True)
        changed_on = parse_day(contact.get("LastModifiedDate"))
        for field_name, crm_field in (("title", "Title"), ("department", "Department"), ("email", "Email")):
            value = contact.get(crm_field)
            if isinstance(value, str) and value.strip():
                citation = _crm_citation(evidence, contact.id, crm_field)
                proposal.facts[field_name] = Fact(
                    " ".join(value.split()), [citation] if citation else [], CRM_CONFIDENCE, "CRM", changed_on
                )
        manager_id = contact.get("ReportsToId")
        if isinstance(manager_id, str) and manager_id in names:
            citation = _crm_citation(evidence, contact.id, "ReportsTo") or _crm_citation(
                evidence, contact.id, "ReportsToId"
            )
            proposal.facts["reports_to"] = Fact(
                names[manager_id], [citation] if citation else [], CRM_CONFIDENCE, "CRM", changed_on
            )
        if left := custom_departure(contact, field_map):
            citation = _crm_citation(evidence, contact.id, left)
            proposal.facts["status"] = Fact(
                StakeholderStatus.departed, [citation] if citation else [], CRM_CONFIDENCE,
                f"Left the company per CRM {left}", changed_on,
            )
        if role := crm_buying_role(evidence, roles.get(contact.id, [])):
            proposal.facts["buying_role"] = role
        elif custom := custom_role(contact, field_map):
            citation = _crm_citation(evidence, contact.id, custom[0])
            proposal.facts["buying_role"] = Fact(
                custom[1], [citation] if citation else [], CRM_CONFIDENCE, f"CRM {custom[0]}", changed_on
            )
        elif (title := proposal.facts.get("title")) and (by_title := role_by_title(title)):
            proposal.facts["buying_role"] = by_title
        if stance := custom_stance(contact, field_map):
            citation = _crm_citation(evidence, contact.id, stance[0])
            proposal.facts["stance"] = Fact(
                stance[1], [citation] if citation else [], CRM_CONFIDENCE, f"CRM {stance[0]}", changed_on
            )
        departed = "status" in proposal.facts
        strength, last = crm_engagement(evidence, touches.get(contact.id, []), departed)
        proposal.facts["strength"] = strength
        if last:
            proposal.facts["last_contact"] = last
        proposals[contact.id] = proposal
    return proposals


# ---------------------------------------------------------------------------
# Combining CRM facts and findings
# ---------------------------------------------------------------------------


def _confidence(findings: Sequence[Finding]) -> float:
    sources = {f.source_id for f in findings}
    return CORROBORATED_CONFIDENCE if len(sources) >= 2 else SINGLE_MENTION_CONFIDENCE


def _where(finding: Finding) -> str:
    kind = "CRM" if finding.source_type is SourceType.crm else finding.source_type.value
    return f"{finding.day.isoformat()} {kind}" if finding.day else kind


def _latest(findings: Sequence[Finding]) -> list[Finding]:
    """The findings from the newest date, since newer evidence wins over older."""
    newest = max((f.day or date.min) for f in findings)
    return [f for f in findings if (f.day or date.min) == newest]


def choose_stance(findings: Sequence[Finding]) -> tuple[Stance, list[Finding]]:
    """The stance the newest explicit evidence gives; weak cues count only when nothing stronger was said."""
    strong = [f for f in findings if f.weight >= 2] or list(findings)
    latest = _latest(strong)
    # Inside information, advocacy or opposition is the defining signal; positive words or a
    # refusal to sell beside inside information still make a coach (DESIGN.md).
    decisive = [f for f in latest if f.value in (Stance.champion, Stance.coach, Stance.detractor)]
    totals: dict[Stance, int] = defaultdict(int)
    for finding in decisive or latest:
        totals[finding.value] += finding.weight
    priority = [Stance.detractor, Stance.champion, Stance.coach, Stance.supporter, Stance.neutral]
    stance = max(totals, key=lambda s: (totals[s], -priority.index(s)))
    if stance is Stance.supporter and all(f.refusal for f in latest if f.value is Stance.supporter):
        # A refusal to sell makes a supporter only of someone positive (DESIGN.md); said by someone who opposed us
        # and has said nothing positive since, it is more of the same.
        signals = [f for f in strong if f.value is not Stance.neutral and not f.refusal]  # opposition or positive
        last = _latest(signals) if signals else []
        if last and all(f.value is Stance.detractor for f in last):
            stance = Stance.detractor
    if stance is Stance.supporter and not any(f.refusal for f in latest):
        # DESIGN.md's supporter is positive "with no evidence of selling for us": praise does not undo earlier
        # selling or inside information; only opposition, or a refusal to sell for us, does.
        turns = [f for f in strong if f.value in (Stance.champion, Stance.coach, Stance.detractor) or f.refusal]
        last = _latest(turns) if turns else []
        if last and all(f.value in (Stance.champion, Stance.coach) for f in last):
            stance = Stance.champion if any(f.value is Stance.champion for f in last) else Stance.coach
    support = [f for f in findings if f.value == stance]
    return stance, support


def _fact_from_findings(value: Any, support: Sequence[Finding], describe: str, suffix: str = "") -> Fact:
    support = sorted(support, key=lambda f: (f.day or date.min, f.source_id), reverse=True)
    citations = list(dict.fromkeys(f.citation for f in support))[:2]
    return Fact(
        value=value,
        citations=citations,
        confidence=_confidence(support),
        reason=f"{describe} per {_where(support[0])}{suffix}".strip(),
        day=support[0].day,
    )


def merge_findings(proposals: dict[str, Proposal], reading: _Reading, evidence: AccountEvidence) -> None:
    """Fold text findings into the proposals: departures, arrivals, newer titles and reporting lines, stance."""
    for person in reading.new_people.values():
        proposals.setdefault(person.key, Proposal(person.key, person.name, [], in_crm=False))
    by_person: dict[str, dict[str, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for finding in dict.fromkeys(reading.findings):
        by_person[finding.key][finding.field].append(finding)

    for key, fields in by_person.items():
        proposal = proposals.get(key)
        if proposal is None:
            continue
        if not proposal.name_citations:
            named = [f for fs in fields.values() for f in fs if _mentions_name(f.citation.quote, proposal.name)]
            proposal.name_citations = [named[0].citation] if named else []
        if statuses := fields.get("status"):
            latest = _latest(statuses)
            departed = [f for f in latest if f.value is StakeholderStatus.departed]
            if departed:
                crm_note = "; CRM still lists them" if proposal.in_crm else ""
                fact = _fact_from_findings(StakeholderStatus.departed, departed, "Left the company")
                fact.reason += crm_note
                proposal.facts["status"] = fact
                if "strength" in proposal.facts:  # DESIGN.md: someone who left has no relationship strength
                    proposal.facts["strength"] = Fact(
                        Strength.none, fact.citations, fact.confidence, "left the company"
                    )
            elif not proposal.in_crm:
                proposal.facts["status"] = _fact_from_findings(StakeholderStatus.active, latest, "Joined")
        for field_name, describe in (("title", "Title"), ("reports_to", "Reports to")):
            if found := fields.get(field_name):
                latest = _latest(found)
                support = [f for f in found if equivalent(field_name, f.value, latest[0].value)]
                # Equivalent wordings ("CTO", "Chief Technology Officer"): the one spelled out reads to anyone.
                value = max((f.value for f in support), key=lambda v: (len(v), v))
                current = proposal.facts.get(field_name)
                newer = current is None or current.day is None or (latest[0].day or date.min) >= current.day
                if current is not None and (
                    equivalent(field_name, current.value, value) or _qualifies(current.value, value)
                ):
                    continue
                if newer:
                    before = f" (CRM: {current.value})" if current is not None else ""
                    proposal.facts[field_name] = _fact_from_findings(
                        value, support, f"{describe} {value}", before
                    )
        if (roles := fields.get("buying_role")) and "buying_role" not in proposal.facts:
            latest = _latest(roles)
            value = latest[0].value
            support = [f for f in roles if f.value == value]
            proposal.facts["buying_role"] = _fact_from_findings(value, support, "")
        elif (
            not proposal.in_crm and "buying_role" not in proposal.facts and (title := proposal.facts.get("title"))
            and (by_title := role_by_title(title))
        ):  # someone known from the notes as "Kevin Marsh, Strategic Sourcing Manager"
            proposal.facts["buying_role"] = by_title
        # Someone known only from what others say of them (no Contact, never engaged with us) has no stance yet:
        # DESIGN.md's `unknown` is "no direct engagement", whatever others say of them.
        engaged = key in reading.engaged or "last_contact" in proposal.facts
        # A support ticket is no relationship with us (DESIGN.md counts no Case as a touch): its mood is a stance
        # only of someone we otherwise engage with.
        stances = [f for f in fields.get("stance", []) if engaged or _sobject(evidence, f.source_id) != "Case"]
        if stances and (proposal.in_crm or key in reading.engaged):
            stance, support = choose_stance(stances)
            proposal.facts["stance"] = _fact_from_findings(stance, support, f"{stance.value.capitalize()}")


_TITLE_ABBREVIATIONS = {
    "vp": "vice president", "svp": "senior vice president", "evp": "executive vice president",
    "sr": "senior", "jr": "junior", "mgr": "manager", "dir": "director", "eng": "engineering",
    "ops": "operations", "it": "information technology", "cto": "chief technology officer",
    "cio": "chief information officer", "cfo": "chief financial officer", "ceo": "chief executive officer",
    "coo": "chief operating officer", "gm": "general manager", "ciso": "chief information security officer",
    "cdo": "chief data officer", "cmo": "chief marketing officer", "cpo": "chief procurement officer",
}


def title_key(title: str) -> str:
    """A job title reduced for comparison: abbreviations expanded, "&" as "and", filler words dropped."""
    words = re.findall(r"[a-z0-9]+|&", title.lower())
    expanded = " ".join(_TITLE_ABBREVIATIONS.get(w, "and" if w == "&" else w) for w in words)
    return " ".join(w for w in expanded.split() if w not in {"of", "the", "and", "for"})


def _qualifies(known: Any, found: Any) -> bool:
    """Whether a title already known says the found one and more: "Chief of Staff, Office of the CEO" is what a
    signature's "Chief of Staff" means, not a change of job."""
    if not isinstance(known, str) or not isinstance(found, str):
        return False
    head, comma, _ = known.partition(",")
    return bool(comma) and same_title(head, found)


def same_title(a: str, b: str) -> bool:
    """Whether two titles name the same job ("VP of Sales and Operations", "VP Sales & Operations")."""
    return title_key(a) == title_key(b)


_UNIT_WORDS = frozenset({"dept", "department", "team", "division", "group", "unit"})


def same_job(a: str, b: str, organisation: frozenset[str] = frozenset()) -> bool:
    """Whether two titles name one job, one only saying more of it: "Chief of Staff" and "Chief of Staff, Office of
    the CEO", "Senior Engineer, Yield Engineering" and "... Dept", a title and the title followed by the company."""
    keys = [[w for w in title_key(t).split() if w not in _UNIT_WORDS and w not in organisation] for t in (a, b)]
    short, long = sorted(keys, key=len)
    return bool(short) and long[: len(short)] == short


def equivalent(field_name: str, a: Any, b: Any) -> bool:
    """Whether two values of a field say the same thing."""
    if field_name == "title" and isinstance(a, str) and isinstance(b, str):
        return same_title(a, b)
    if field_name == "reports_to" and isinstance(a, str) and isinstance(b, str):
        return same_person(a, b) or same_value(a, b)
    return same_value(a, b)


def same_value(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return " ".join(a.lower().split()) == " ".join(b.lower().split())
    return bool(a == b)


def _mentions_name(text: str, name: str) -> bool:
    return bool(mentions(text, name))


# ---------------------------------------------------------------------------
# Changes against the plan
# ---------------------------------------------------------------------------

_FIELDS = ("title", "department", "reports_to", "last_contact", "email", "buying_role", "stance", "strength", "status")


def _plan_match(plan: AccountPlan, proposal: Proposal) -> Stakeholder | None:
    """The plan's entry for this person: by key, else by name (a person first known by name, now a Contact)."""
    if current := plan.stakeholder(proposal.key):
        return current
    return next((s for s in plan.stakeholders if same_person(s.name, proposal.name)), None)


def _show(value: Any) -> str:
    return str(value.value if hasattr(value, "value") else value).replace("_", " ")


def _field_reason(name: str, fact: Fact, before: Stakeholder | None) -> str:
    """One field's part of a rationale: what it is now, what it was, and why."""
    if name in ("status", "stance") or fact.reason.startswith(("Title", "Reports")):
        return fact.reason
    label = name.replace("_", " ")
    was = getattr(before, name, None) if before is not None else None
    was_text = f" (was {_show(was)})" if was else ""
    if fact.reason.startswith("per "):
        why = f" {fact.reason}"
    else:
        why = f": {fact.reason}" if fact.reason and fact.reason != "CRM" else ""
    return f"{label} {_show(fact.value)}{was_text}{why}"


def proposal_changes(proposal: Proposal, plan: AccountPlan) -> Change | None:
    """The one change that brings the plan's entry for this person in line with the proposal, if any."""
    current = _plan_match(plan, proposal)
    known = {name: fact.value for name, fact in proposal.facts.items()}
    if current is None:
        after = Stakeholder(key=proposal.key, name=proposal.name, **known)
        kind = ChangeKind.add_stakeholder
        changed = [name for name in _FIELDS if name in proposal.facts]
    else:
        after = current.model_copy(update=known)
        after = Stakeholder.model_validate(after.model_dump())
        if after == current:
            return None
        changed = [name for name in _FIELDS if getattr(after, name) != getattr(current, name)]
        departing = after.status is StakeholderStatus.departed and current.status is not StakeholderStatus.departed
        kind = ChangeKind.mark_departed if departing else ChangeKind.update_stakeholder

    citations: list[Citation] = []
    if current is None or not changed:
        citations.extend(proposal.name_citations)
    for name in changed:
        citations.extend(proposal.facts[name].citations)
    citations = list(dict.fromkeys(citations))
    confidences = [proposal.facts[name].confidence for name in changed] or [CRM_CONFIDENCE]
    return proposed_change(
        kind,
        current,
        after,
        rationale=_rationale(proposal, kind, changed, current),
        citations=citations,
        confidence=round(min(confidences), 2),
    )


def _rationale(proposal: Proposal, kind: ChangeKind, changed: list[str], current: Stakeholder | None) -> str:
    """One line a SAM understands: the headline first (left, joined, new in CRM), then what else changed."""
    facts = proposal.facts
    parts: list[str] = []
    if kind is ChangeKind.add_stakeholder:
        status = facts.get("status")
        title = facts.get("title")
        if status is not None and status.value is StakeholderStatus.departed:
            parts.append(status.reason)
        if proposal.in_crm:
            crm_title = title is not None and not title.reason.startswith("Title")
            parts.append(f"In CRM as {title.value}" if crm_title and title else "In CRM")
        elif status is not None and status.value is StakeholderStatus.active:
            joined = status.reason.replace("Joined", f"Joined as {title.value}", 1) if title else status.reason
            parts.append(joined + "; not in CRM")
        else:
            parts.append("Named in the account's notes; not in CRM")
        if title is not None and title.reason.startswith("Title") and proposal.in_crm:
            parts.append(title.reason)
        for name in ("buying_role", "stance", "strength"):
            if name in facts:
                parts.append(_field_reason(name, facts[name], None))
    else:
        order = ["status"] + [n for n in changed if n != "status"]
        parts.extend(_field_reason(n, facts[n], current) for n in order if n in changed)
    return "; ".join(dict.fromkeys(p for p in parts if p))


def default_stance(proposal: Proposal, named: Finding | None) -> Fact:
    """With no stance signal: `neutral` when they engaged with us (a two-way touch, or named in the
    account's notes and calls), else `unknown` (DESIGN.md: no direct engagement)."""
    if named is not None:
        return Fact(Stance.neutral, [named.citation], SINGLE_MENTION_CONFIDENCE, "Engaged; no clear stance signal")
    if last_touch := proposal.facts.get("last_contact"):  # someone who has left engaged with us before leaving
        return Fact(
            Stance.neutral, last_touch.citations, SINGLE_MENTION_CONFIDENCE, "Engaged; no clear stance signal"
        )
    return Fact(Stance.unknown, [], SINGLE_MENTION_CONFIDENCE, "No direct engagement")


def stakeholder_changes(
    evidence: AccountEvidence, plan: AccountPlan, hits: Sequence[Hit]
) -> tuple[list[Change], list[str]]:
    """The offline engine: changes that bring the plan's stakeholder map in line with the evidence, and warnings."""
    proposals = crm_proposals(evidence)
    directory = Directory(Person(p.key, p.name) for p in proposals.values())
    for stakeholder in plan.stakeholders:
        if directory.resolve(stakeholder.name) is None:
            directory.add(Person(stakeholder.key, stakeholder.name))
    outsiders = [c for c in evidence.contacts if c.id not in proposals and contact_name(c)]
    for contact in outsiders:  # known by name, so nothing said about them lands on someone else or reads as new
        directory.add(Person(contact.id, contact_name(contact)))
    reading = read_account(hits, evidence, directory)
    for contact in outsiders:
        reading.new_people.pop(contact.id, None)
    for key, person in list(directory.people.items()):
        if key not in proposals and plan.stakeholder(key) is not None and key not in reading.new_people:
            proposals[key] = Proposal(key, person.name, [], in_crm=False)
    merge_findings(proposals, reading, evidence)
    # someone with no Contact who spoke in our calls or sat in our meetings has a relationship with us too
    newcomers = {p.key: p.name for p in proposals.values() if not p.in_crm and "strength" not in p.facts}
    for key, touches in touches_by_person(evidence, newcomers).items():
        status = proposals[key].facts.get("status")
        departed = status is not None and status.value is StakeholderStatus.departed
        strength, last = crm_engagement(evidence, touches, departed)
        proposals[key].facts["strength"] = strength
        if last is not None:
            proposals[key].facts["last_contact"] = last
    for key, proposal in proposals.items():
        if "stance" not in proposal.facts and (proposal.in_crm or proposal.facts):
            proposal.facts["stance"] = default_stance(proposal, reading.engaged.get(key))

    changes: list[Change] = []
    for proposal in sorted(proposals.values(), key=lambda p: (p.name.lower(), p.key)):
        if not proposal.in_crm and not proposal.facts:
            continue
        if change := proposal_changes(proposal, plan):
            changes.append(change)
    return changes, reading.warnings
