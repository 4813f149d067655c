"""What every field and vocabulary value means, as DESIGN.md defines it and the drafts are written to.

One definition of each, shown wherever a SAM meets the value: the review UI's tooltips, the
plan page, and the README's "What the values mean" (tests keep the README in step).
"""

from __future__ import annotations

from plans.vocabulary import BuyingRole, CellStatus, Severity, StakeholderStatus, Stance, Strength

FIELD_DEFINITIONS: dict[str, str] = {
    "title": "The current title; newer evidence of a promotion overrides a stale CRM Title. "
    "A departed person keeps the last one.",
    "buying_role": "From the OpportunityContactRole (open opportunities first), else what the notes say, "
    "else unknown. Newer evidence of a changed role overrides it.",
    "stance": "Where they stand toward us, from their own engagement; the newest evidence wins.",
    "strength": "Counted on two-way touches: Tasks and Events with them, calls they spoke in, emails they sent "
    "(unanswered outbound emails and support Cases do not count).",
    "status": "departed only when a note, a call or a CRM field says the person left.",
    "reports_to": "Their manager, from the Contact's ReportsTo or newer evidence.",
    "last_contact": "The day of their newest two-way touch.",
    "competitor": "The competitor that holds the cell, per a Closed Lost OpportunityCompetitor or a note or call.",
    "estimated_value": "What the cell could be worth: the median price of the product elsewhere in the account.",
    "severity": "How much the risk threatens the account this quarter: high, medium or low.",
}

VALUE_DEFINITIONS: dict[str, dict[str, str]] = {
    "buying_role": {
        BuyingRole.economic_buyer: "Holds the budget or approves the spend (Economic Buyer, Economic Decision Maker, "
        "Decision Maker; \"approves every commitment above $500k\").",
        BuyingRole.technical_evaluator: "Judges the technical fit (Technical Buyer, Evaluator; runs the evaluation).",
        BuyingRole.business_owner: "Owns the business outcome (\"owns the business case\").",
        BuyingRole.executive_sponsor: "Sponsors the initiative at executive level (Executive Sponsor).",
        BuyingRole.influencer: "Shapes the decision without owning it (Influencer).",
        BuyingRole.procurement: "Buys: purchasing and sourcing people (a role of Other, read by title).",
        BuyingRole.end_user: "Uses the product (Business User).",
        BuyingRole.unknown: "No role record and nothing in the notes says one.",
    },
    "stance": {
        Stance.champion: "Evidence that they sell for us when we are not in the room.",
        Stance.coach: "Gives us inside information but will not advocate.",
        Stance.supporter: "Positive, with no evidence of selling for us (or an explicit \"I won't sell it for you\").",
        Stance.neutral: "Engaged with us, no clear signal either way.",
        Stance.detractor: "Prefers a competitor or opposes us.",
        Stance.unknown: "No direct engagement with us.",
    },
    "strength": {
        Strength.strong: "Three or more two-way touches in the 60 days before the as-of date.",
        Strength.moderate: "Last touch within 90 days and more than one touch in all.",
        Strength.weak: "A single touch ever, or the last touch 90–180 days ago.",
        Strength.none: "Never engaged, nothing in 180 days, or departed.",
    },
    "status": {
        StakeholderStatus.active: "With the customer, as far as the evidence says.",
        StakeholderStatus.departed: "A note, a call or a CRM field says the person left.",
    },
    "cell": {
        CellStatus.owned: "An Asset with Status Installed or Purchased (an open renewal or expansion keeps it owned; "
        "an obsolete asset does not count).",
        CellStatus.pipeline: "An open Opportunity with a line item for the product.",
        CellStatus.competitor: "A competitor holds it, per a Closed Lost OpportunityCompetitor or a note or call.",
        CellStatus.not_applicable: "A note or call says the product cannot apply there, with its reason.",
        CellStatus.whitespace: "Everything else, including deals lost with no competitor named.",
    },
    "severity": {
        Severity.high: "Threatens the renewal or a near deal now.",
        Severity.medium: "Needs an owner and a date before it grows.",
        Severity.low: "Worth watching.",
    },
}

# The review UI shows fields by label ("Buying role") and values humanized ("economic buyer").
_FIELD_BY_LABEL = {name.replace("_", " ").lower(): name for name in (*FIELD_DEFINITIONS, "cell")}


def _field(name_or_label: str) -> str:
    key = name_or_label.strip().lower()
    return _FIELD_BY_LABEL.get(key, key.replace(" ", "_"))


def define(field: str, value: object = None) -> str:
    """The definition of a field, or of one of its values ("" when there is none).

    `field` may be a field name ("buying_role") or its label ("Buying role"); `value` an enum
    or its text, with spaces or underscores.
    """
    name = _field(field)
    if value is None:
        return FIELD_DEFINITIONS.get(name, "")
    text = str(getattr(value, "value", value)).strip().lower().replace(" ", "_")
    return VALUE_DEFINITIONS.get(name, {}).get(text, "")
