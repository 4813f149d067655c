from __future__ import annotations

from datetime import date

from pydantic import BaseModel


class SourcePublic(BaseModel):
    id: str
    account_id: str
    type: str
    title: str
    date: date | None
    text: str
    origin: str
