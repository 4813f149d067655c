"""The controlled vocabulary shared by gold labels, API payloads, the UI and the evals."""

from enum import StrEnum


class BuyingRole(StrEnum):
    economic_buyer = "economic_buyer"
    technical_evaluator = "technical_evaluator"
    business_owner = "business_owner"
    executive_sponsor = "executive_sponsor"
    influencer = "influencer"
    procurement = "procurement"
    end_user = "end_user"
    unknown = "unknown"


class Stance(StrEnum):
    champion = "champion"
    coach = "coach"
    supporter = "supporter"
    neutral = "neutral"
    detractor = "detractor"
    unknown = "unknown"


class Strength(StrEnum):
    strong = "strong"
    moderate = "moderate"
    weak = "weak"
    none = "none"


class StakeholderStatus(StrEnum):
    active = "active"
    departed = "departed"


class CellStatus(StrEnum):
    owned = "owned"
    pipeline = "pipeline"
    whitespace = "whitespace"
    competitor = "competitor"
    not_applicable = "not_applicable"


class Severity(StrEnum):
    high = "high"
    medium = "medium"
    low = "low"


class ChangeKind(StrEnum):
    add_stakeholder = "add_stakeholder"
    update_stakeholder = "update_stakeholder"
    mark_departed = "mark_departed"
    set_whitespace_cell = "set_whitespace_cell"
    replace_qbr_brief = "replace_qbr_brief"


class DraftKind(StrEnum):
    stakeholder_map = "stakeholder_map"
    whitespace = "whitespace"
    qbr_brief = "qbr_brief"


# Salesforce OpportunityContactRole.Role values, mapped as DESIGN.md fixes them.
SALESFORCE_ROLE_MAP: dict[str, BuyingRole] = {
    "economic buyer": BuyingRole.economic_buyer,
    "economic decision maker": BuyingRole.economic_buyer,
    "decision maker": BuyingRole.economic_buyer,
    "technical buyer": BuyingRole.technical_evaluator,
    "evaluator": BuyingRole.technical_evaluator,
    "executive sponsor": BuyingRole.executive_sponsor,
    "influencer": BuyingRole.influencer,
    "business user": BuyingRole.end_user,
}
