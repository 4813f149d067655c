"""Small builders for agent tests: CRM records, notes, calls, evidence and a keyword retriever."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from agents.context import AccountEvidence
from retrieval.evidence import Chunk, CrmRecord, Hit, Source, SourceType
from retrieval.salesforce import record_labels, render_record

ACCOUNT_ID = "001A00000000001AAA"


def record(sobject: str, record_id: str, **fields: object) -> CrmRecord:
    return CrmRecord(type=sobject, id=record_id, fields={"Id": record_id, **fields})


def contact(record_id: str, first: str, last: str, **fields: object) -> CrmRecord:
    return record(
        "Contact", record_id, FirstName=first, LastName=last, AccountId=ACCOUNT_ID, **fields
    )


def task(record_id: str, who: str, day: str, subject: str = "Call") -> CrmRecord:
    return record("Task", record_id, WhoId=who, Subject=subject, ActivityDate=day, Status="Completed")


def note(source_id: str, day: str, text: str, title: str = "Note") -> Source:
    return Source(
        id=source_id, type=SourceType.note, title=title, date=date.fromisoformat(day), text=text
    )


def call(source_id: str, day: str, turns: Sequence[tuple[str, str, str]]) -> Source:
    """A transcript from (timestamp, speaker, text) turns, rendered as the transcript parser does."""
    text = "\n".join(f"[{stamp}] {speaker}: {said}" for stamp, speaker, said in turns)
    return Source(
        id=source_id,
        type=SourceType.call,
        title="Call",
        date=date.fromisoformat(day),
        text=text,
        metadata={"speakers": list(dict.fromkeys(s for _, s, _ in turns))},
    )


def evidence(
    records: Sequence[CrmRecord],
    sources: Sequence[Source] = (),
    as_of: str = "2026-03-31",
    account_name: str = "Acme Payments",
) -> AccountEvidence:
    account = record("Account", ACCOUNT_ID, Name=account_name)
    all_records = [account, *records]
    labels = record_labels(all_records)
    crm_sources = [render_record(r, labels) for r in all_records]
    return AccountEvidence(
        tenant="t1",
        account_id="acct-1",
        account=account,
        records=list(records),
        sources={s.id: s for s in [*crm_sources, *sources]},
        as_of=date.fromisoformat(as_of),
    )


def line_chunks(source: Source) -> list[Chunk]:
    """One chunk per non-empty line, located by line number."""
    chunks = []
    for n, match in enumerate(re.finditer(r"[^\n]+", source.text)):
        chunks.append(
            Chunk(
                id=f"{source.id}#{n}",
                source_id=source.id,
                text=match.group(),
                start=match.start(),
                end=match.end(),
                locator=f"line {n + 1}",
            )
        )
    return chunks


class KeywordRetriever:
    """An in-memory retriever: chunks ranked by how many query words they share."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = list(chunks)
        self.queries: list[str] = []

    @classmethod
    def over(cls, account: AccountEvidence, extra: Sequence[Source] = ()) -> KeywordRetriever:
        sources = [*account.sources.values(), *extra]
        return cls([chunk for source in sources for chunk in line_chunks(source)])

    @staticmethod
    def _words(text: str) -> set[str]:
        return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}

    def search(self, query: str, k: int = 8) -> list[Hit]:
        self.queries.append(query)
        wanted = self._words(query)
        scored = [(len(wanted & self._words(c.text)), c) for c in self.chunks]
        ranked = sorted((pair for pair in scored if pair[0]), key=lambda p: -p[0])[:k]
        return [
            Hit(chunk_id=c.id, source_id=c.source_id, text=c.text, locator=c.locator, score=s)
            for s, c in ranked
        ]

    def search_many(self, queries: Sequence[str], k: int = 8) -> list[Hit]:
        best: dict[str, Hit] = {}
        for query in queries:
            for hit in self.search(query, k):
                if hit.chunk_id not in best or hit.score > best[hit.chunk_id].score:
                    best[hit.chunk_id] = hit
        return sorted(best.values(), key=lambda h: -h.score)[:k]


def whole_chunks(source: Source) -> list[Chunk]:
    """The whole source as one chunk, as a short note is stored."""
    return [Chunk(id=f"{source.id}#0", source_id=source.id, text=source.text, start=0, end=len(source.text),
                  locator="line 1")]
