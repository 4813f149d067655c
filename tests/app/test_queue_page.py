"""The review queue through the test client: priority, what each draft is and what triggered it, filters and
groups with the active filter shown."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.ui import triage
from plans.models import AccountPlan, Change
from tests.app.support import Keys, ui_login, upload, wait_for_draft


def _drafted(client: TestClient, keys: Keys, account_id: str, kind: str) -> dict:  # type: ignore[type-arg]
    started = client.post(
        f"/v1/accounts/{account_id}/drafts", json={"kind": kind}, headers=Keys.header(keys.integration)
    )
    assert started.status_code == 202, started.text
    return wait_for_draft(client, keys.reviewer, started.json()["id"])


def test_the_queue_ranks_drafts_by_impact_and_says_what_each_is_and_what_started_it(
    client: TestClient, keys: Keys
) -> None:
    report = upload(client, keys.integration)
    drafts = [_drafted(client, keys, report["account_id"], kind) for kind in ("whitespace", "stakeholder_map")]
    ui_login(client, keys.reviewer)

    page = client.get("/ui").text

    def top(draft: dict) -> int:  # type: ignore[type-arg]
        return min(triage.IMPACT_ORDER.index(triage.impact(Change.model_validate(c))) for c in draft["changes"])

    expected = sorted(drafts, key=top)  # same account, same milestone: impact decides
    positions = [page.index(f'href="/ui/drafts/{d["id"]}"') for d in expected]
    assert positions == sorted(positions)
    assert page.count('<span class="pill kind">') == 2
    assert page.count("requested by acme-sales-plugin") == 2  # the key that asked
    stakeholders = drafts[1]
    summary = triage.summarize([Change.model_validate(c) for c in stakeholders["changes"]], AccountPlan(), "")
    assert summary.text() in page
    # The mini bundle's open renewal (CloseDate 2026-06-30) is the account's next milestone.
    assert "renewal 2026-06-30" in page
    assert 'id="active-filter">Showing 2 pending review drafts' in page


def test_filters_and_groups_show_what_is_active_and_how_to_clear_it(client: TestClient, keys: Keys) -> None:
    report = upload(client, keys.integration)
    whitespace = _drafted(client, keys, report["account_id"], "whitespace")
    stakeholders = _drafted(client, keys, report["account_id"], "stakeholder_map")
    ui_login(client, keys.reviewer)

    page = client.get("/ui", params={"kind": "whitespace", "account": report["account_id"]}).text
    assert f'/ui/drafts/{whitespace["id"]}"' in page and f'/ui/drafts/{stakeholders["id"]}"' not in page
    assert "kind: <strong>whitespace</strong>" in page
    assert f"account: <strong>{report['name']}</strong>" in page
    assert 'aria-label="Clear the kind filter"' in page and "clear all</a>" in page
    assert '<option value="whitespace" selected>' in page

    grouped = client.get("/ui", params={"group": "kind"}).text
    assert '<h2 class="queue-group">stakeholder map' in grouped and '<h2 class="queue-group">whitespace' in grouped
    assert "grouped by: <strong>kind</strong>" in grouped

    today = client.get("/ui", params={"age": "today", "group": "age"}).text
    assert '<h2 class="queue-group">created today' in today
    assert client.get("/ui", params={"age": "older"}).text.count("data-review") == 0

    bad = client.get("/ui", params={"kind": "nonsense"})
    assert bad.status_code == 422 and "<h1>Invalid filter</h1>" in bad.text


def test_next_milestone_takes_open_renewals_and_qbr_events_as_the_crm_records_them() -> None:
    from datetime import date

    from retrieval.evidence import CrmRecord

    today = date(2026, 10, 1)
    records = [
        CrmRecord(
            type="Opportunity",
            id="o1",
            fields={"Type": "Renewal", "StageName": "Negotiation", "CloseDate": "2027-01-31"},
        ),
        CrmRecord(
            type="Opportunity",
            id="o2",
            fields={"Type": "Renewal", "StageName": "Closed Won", "CloseDate": "2026-10-05"},
        ),
        CrmRecord(type="Event", id="e1", fields={"Subject": "Q4 QBR with the CIO", "ActivityDate": "2026-11-12"}),
        CrmRecord(type="Event", id="e2", fields={"Subject": "Freight quarterly review", "ActivityDate": "2026-09-01"}),
        CrmRecord(type="Event", id="e3", fields={"Subject": "Pilot readout", "ActivityDate": "2026-10-02"}),
    ]
    assert triage.next_milestone(records, today) == (date(2026, 11, 12), "QBR")
    assert triage.next_milestone(records[:1], today) == (date(2027, 1, 31), "renewal")
    overdue = CrmRecord(
        type="Opportunity", id="o3", fields={"Type": "Renewal", "StageName": "Proposal", "CloseDate": "2026-09-01"}
    )
    assert triage.next_milestone([*records, overdue], today) == (date(2026, 9, 1), "renewal")
    assert triage.next_milestone(records[2:3][:0], today) is None
