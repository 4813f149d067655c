"""What the model must return: the output schemas of the LLM engine, one per draft kind.

These are a contract with the model, kept apart from the plan's own models and from the
API schemas: every field says what it means, enumerations are the DESIGN vocabulary, and
every field is required (nullable where unknown), as OpenAI's strict structured output wants.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

BuyingRoleValue = Literal[
    "economic_buyer",
    "technical_evaluator",
    "business_owner",
    "executive_sponsor",
    "influencer",
    "procurement",
    "end_user",
    "unknown",
]
StanceValue = Literal["champion", "coach", "supporter", "neutral", "detractor", "unknown"]
StrengthValue = Literal["strong", "moderate", "weak", "none"]
StatusValue = Literal["active", "departed"]
CellStatusValue = Literal["owned", "pipeline", "whitespace", "competitor", "not_applicable"]
SeverityValue = Literal["high", "medium", "low"]


class _Output(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitationOutput(_Output):
    source_id: str = Field(description="The source_id attribute of the <evidence> element or CRM fact quoted.")
    quote: str = Field(
        description="A short passage copied character for character from that source's text; never paraphrased."
    )


class StakeholderOutput(_Output):
    name: str = Field(description="The person's full name as the evidence spells it.")
    contact_id: str | None = Field(
        description="The CRM Contact Id from the CRM facts when this person is a CRM contact, else null."
    )
    title: str | None = Field(description="Current job title, or null when the evidence does not say.")
    department: str | None = Field(description="Department, or null when the evidence does not say.")
    reports_to: str | None = Field(
        description="Full name of the person they report to, or null when the evidence does not say."
    )
    email: str | None = Field(description="Email address from the CRM facts, or null.")
    last_contact: date | None = Field(
        description="Date (YYYY-MM-DD) of the last logged touch with this person, or null."
    )
    buying_role: BuyingRoleValue = Field(
        description="Their role in the buying decision; unknown when the evidence does not settle it."
    )
    stance: StanceValue = Field(
        description=(
            "Their stance toward us as the newest evidence shows it: a champion sells for us when we are "
            "not in the room, a coach gives us information; unknown when nothing is said."
        )
    )
    strength: StrengthValue = Field(description="How strong our relationship with them is.")
    status: StatusValue = Field(description="departed when the evidence says they left the company, else active.")
    rationale: str = Field(description="One line a sales manager understands: what changed and why.")
    confidence: float = Field(ge=0, le=1, description="How sure the evidence makes you, from 0 to 1.")
    citations: list[CitationOutput] = Field(
        description="The evidence for every field you state; at least one citation."
    )


class StakeholderMapOutput(_Output):
    """The stakeholder map as the evidence shows it as of the account's date."""

    stakeholders: list[StakeholderOutput] = Field(
        description="Every person in the buying organization the evidence supports, one entry each."
    )


class WhitespaceCellOutput(_Output):
    product: str = Field(description="The product's name exactly as listed in the CRM facts.")
    unit: str = Field(description="The unit's (child account's) name exactly as listed in the CRM facts.")
    status: CellStatusValue = Field(
        description=(
            "owned: the unit has a live asset of the product; pipeline: an open opportunity of the unit has it; "
            "competitor: the unit runs a competitor's product for this need; not_applicable: the evidence says "
            "the product does not fit the unit; whitespace: none of these, an open opportunity for us."
        )
    )
    estimated_value: float | None = Field(
        description="Annual value from the CRM facts (asset price, line item total, estimate), or null."
    )
    competitor: str | None = Field(description="The competitor's name when status is competitor, else null.")
    note: str | None = Field(
        description="A short note for the sales team (why not applicable, what the competitor runs), or null."
    )
    rationale: str = Field(description="One line: the cell's status and what it rests on.")
    confidence: float = Field(ge=0, le=1, description="How sure the evidence makes you, from 0 to 1.")
    citations: list[CitationOutput] = Field(description="The evidence for the status; at least one citation.")


class WhitespaceOutput(_Output):
    """The products × units whitespace matrix as the evidence shows it."""

    cells: list[WhitespaceCellOutput] = Field(description="One entry for every product × unit pair in the CRM facts.")


class ClaimOutput(_Output):
    text: str = Field(description="One sentence for the brief, stating only what its citations support.")
    citations: list[CitationOutput] = Field(description="The evidence the sentence rests on; at least one citation.")


class RiskOutput(_Output):
    text: str = Field(description="The risk in one sentence.")
    severity: SeverityValue = Field(description="high, medium or low, by its effect on the renewal and the pipeline.")
    mitigation: str = Field(description="What the account team should do about it, in one sentence.")
    citations: list[CitationOutput] = Field(description="The evidence the risk rests on; at least one citation.")


class QbrBriefOutput(_Output):
    """The quarterly business review brief: six sections of cited claims."""

    summary: list[ClaimOutput] = Field(description="Two to four claims: ARR, the renewal, the top risk.")
    value_delivered: list[ClaimOutput] = Field(description="Outcomes the customer got from us this quarter.")
    relationship_changes: list[ClaimOutput] = Field(description="Who joined, left, changed role or stance.")
    pipeline_and_whitespace: list[ClaimOutput] = Field(description="Open pipeline, deals won and lost, whitespace.")
    risks: list[RiskOutput] = Field(description="Risks to the renewal and the pipeline, most severe first.")
    asks_and_next_steps: list[ClaimOutput] = Field(description="What we ask of the customer and the next steps agreed.")
