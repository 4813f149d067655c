"""The custom field map: which of an org's custom Contact fields mean status, buying role and stance."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel, Field


class CrmFieldMap(BaseModel):
    """Which of an org's custom Contact fields mean status, buying role and stance.

    Field names are globs matched case-insensitively. Defaults recognise the common ones
    (`Contact_Status__c`, `Inactive__c`, `Buying_Role__c`, `Stance__c`, HubSpot's `employment_status`);
    an org with other
    names points `PLANWRIGHT_CRM_FIELD_MAP` at a JSON file of this shape.
    """

    # Salesforce custom fields end in __c; HubSpot custom properties are snake_case names.
    status_fields: list[str] = Field(
        default_factory=lambda: ["*Status__c", "*Employment*__c", "*employment*status*", "*contact*status*"]
    )
    departed_values: str = Field(
        default=r"\b(?:left|inactive|no longer|departed|former|terminated|resigned|retired|gone|deceased)\b",
        description="Regex (case-insensitive) a status value matches when the person left.",
    )
    inactive_flags: list[str] = Field(
        default_factory=lambda: ["*Inactive*__c", "*Left_Company*__c", "*No_Longer*__c"],
        description="Checkbox fields that are true when the person left.",
    )
    role_fields: list[str] = Field(
        default_factory=lambda: ["*Buying_Role__c", "*BuyingRole__c", "*Role__c", "hs_buying_role"]
    )
    stance_fields: list[str] = Field(default_factory=lambda: ["*Stance__c", "*Sentiment__c", "*Disposition__c"])

    @classmethod
    def load(cls, path: str | Path | None) -> CrmFieldMap:
        """The map from a JSON file; the defaults when `path` is empty."""
        if not path:
            return cls()
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
