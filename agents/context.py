"""The evidence an agent reads about one account: its CRM records and every citable source."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from agents.field_map import CrmFieldMap
from retrieval.evidence import Bundle, CrmRecord, Source, SourceType
from retrieval.salesforce import parse_salesforce_date

ACTIVITY_TYPES = ("Task", "Event")
_ACTIVITY_DATE_FIELDS = ("ActivityDate", "ActivityDateTime", "StartDateTime", "CreatedDate")


def parse_day(value: Any) -> date | None:
    """A date from a Salesforce date or datetime value ("2026-03-02", "2026-03-02T10:00:00.000+0000")."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_salesforce_date(value)


def contact_name(contact: CrmRecord) -> str:
    """A Contact's display name: Name, else "FirstName LastName"."""
    name = contact.get("Name")
    if isinstance(name, str) and name.strip():
        return " ".join(name.split())
    parts = [contact.get("FirstName"), contact.get("LastName")]
    return " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


class AccountEvidence(BaseModel):
    """One account's parsed evidence as of a date; `sources` holds every source of this account and no other."""

    tenant: str
    account_id: str
    account: CrmRecord
    records: list[CrmRecord]
    sources: dict[str, Source] = Field(default_factory=dict)
    as_of: date
    field_map: CrmFieldMap = Field(default_factory=CrmFieldMap)

    _by_id: dict[str, CrmRecord] = PrivateAttr(default_factory=dict)
    _by_type: dict[str, list[CrmRecord]] = PrivateAttr(default_factory=dict)

    def model_post_init(self, __context: Any) -> None:
        by_type: dict[str, list[CrmRecord]] = defaultdict(list)
        for record in [self.account, *self.records]:
            if record.id not in self._by_id:
                self._by_id[record.id] = record
                by_type[record.type].append(record)
        self._by_type = dict(by_type)

    @classmethod
    def from_bundle(
        cls, bundle: Bundle, tenant: str, account_id: str, as_of: date, field_map: CrmFieldMap | None = None
    ) -> AccountEvidence:
        return cls(
            field_map=field_map or CrmFieldMap(),
            tenant=tenant,
            account_id=account_id,
            account=bundle.account,
            records=list(bundle.records),
            sources={source.id: source for source in bundle.sources},
            as_of=as_of,
        )

    @property
    def account_name(self) -> str:
        return str(self.account.get("Name") or "")

    def record(self, record_id: str | None) -> CrmRecord | None:
        return self._by_id.get(record_id) if record_id else None

    def of_type(self, sobject: str) -> list[CrmRecord]:
        return list(self._by_type.get(sobject, []))

    @property
    def contacts(self) -> list[CrmRecord]:
        return self.of_type("Contact")

    def contact_names(self) -> dict[str, str]:
        """Contact Id → display name."""
        return {c.id: name for c in self.contacts if (name := contact_name(c))}

    def roles_by_contact(self) -> dict[str, list[CrmRecord]]:
        """Contact Id → its OpportunityContactRole records."""
        roles: dict[str, list[CrmRecord]] = defaultdict(list)
        for role in self.of_type("OpportunityContactRole"):
            if contact_id := role.get("ContactId"):
                roles[contact_id].append(role)
        return dict(roles)

    def activities_by_contact(self) -> dict[str, list[CrmRecord]]:
        """Contact Id → its Tasks and Events (by WhoId), newest first."""
        activities: dict[str, list[CrmRecord]] = defaultdict(list)
        for sobject in ACTIVITY_TYPES:
            for activity in self.of_type(sobject):
                if who := activity.get("WhoId"):
                    activities[who].append(activity)
        return {
            who: sorted(items, key=lambda a: self.activity_date(a) or date.min, reverse=True)
            for who, items in activities.items()
        }

    @staticmethod
    def activity_date(activity: CrmRecord) -> date | None:
        """When a Task or Event happened: its activity date, else its start, else its creation."""
        for field in _ACTIVITY_DATE_FIELDS:
            if day := parse_day(activity.get(field)):
                return day
        return None

    def source(self, source_id: str) -> Source | None:
        return self.sources.get(source_id)

    def field_line(self, record_id: str, field: str) -> str | None:
        """The exact "Field: value" line of a CRM record's source, to quote as a citation."""
        source = self.sources.get(record_id)
        if source is None:
            return None
        line = source.metadata.get("fields", {}).get(field)
        if isinstance(line, str) and line in source.text:
            return line
        return None

    def title_line(self, record_id: str) -> str | None:
        """The first line of a CRM record's source ("Contact: Raj Patel")."""
        source = self.sources.get(record_id)
        if source is None or not source.text:
            return None
        return source.text.splitlines()[0] or None

    def narrative_sources(self) -> list[Source]:
        """Notes and call transcripts, oldest first."""
        narrative = [s for s in self.sources.values() if s.type in (SourceType.note, SourceType.call)]
        return sorted(narrative, key=lambda s: (s.date or date.min, s.id))

    def texts(self) -> list[str]:
        """The text of every source, for checks that a name or phrase appears somewhere."""
        return [source.text for source in self.sources.values()]
