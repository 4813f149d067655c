from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from app.auth.service import Role


class KeyCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200, description="Who or what the key is for.")
    roles: list[Role] = Field(min_length=1, description="`admin`, `reviewer`, `integration`.")

    @field_validator("roles")
    @classmethod
    def _unique(cls, roles: list[Role]) -> list[Role]:
        return list(dict.fromkeys(roles))


class KeyPublic(BaseModel):
    """A key as listed: never the key nor its hash."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    tenant: str
    roles: list[Role]
    created_at: datetime
    last_used_at: datetime | None = Field(description="The last request made with it, to the minute.")
    revoked_at: datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class KeyCreated(KeyPublic):
    key: str = Field(description="The API key; shown only here. Only its SHA-256 is stored.")


class KeyPage(BaseModel):
    items: list[KeyPublic]
    next_cursor: str | None
