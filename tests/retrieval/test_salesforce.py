"""Salesforce query results: reading records and rendering them as citable sources."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from retrieval.evidence import CrmRecord, SourceType
from retrieval.salesforce import record_label, record_labels, render_record
from retrieval.sources.records import CrmFileError, RecordProblem
from retrieval.sources.salesforce_json import parse_json


def parse_query_result(text: str) -> tuple[list[CrmRecord], list[RecordProblem]]:
    parsed = parse_json(text)
    return parsed.records, parsed.problems


def record(sobject: str, record_id: str, **fields: Any) -> CrmRecord:
    return CrmRecord(type=sobject, id=record_id, fields={"Id": record_id, **fields})


def render(target: CrmRecord, *others: CrmRecord) -> Any:
    return render_record(target, record_labels([target, *others]))


JENNIFER = record("Contact", "003A", Name="Jennifer Wu", Title="CTO")


def test_query_result_records_keep_their_fields_without_attributes() -> None:
    text = json.dumps(
        {
            "totalSize": 1,
            "done": True,
            "records": [{"attributes": {"type": "Contact"}, "Id": "003A", "Name": "Jennifer Wu"}],
        }
    )

    records, problems = parse_query_result(text)

    assert problems == []
    assert records == [CrmRecord(type="Contact", id="003A", fields={"Id": "003A", "Name": "Jennifer Wu"})]


def test_invalid_json_names_the_line() -> None:
    text = '{\n  "records": [\n    {"Id": "003A",}\n  ]\n}'

    with pytest.raises(CrmFileError) as raised:
        parse_query_result(text)

    assert raised.value.line == 3
    assert "invalid JSON" in str(raised.value)


@pytest.mark.parametrize("text", ["[]", '{"totalSize": 0}', '{"records": {}}'])
def test_a_file_that_is_not_a_query_result_is_rejected(text: str) -> None:
    with pytest.raises(CrmFileError, match="records"):
        parse_query_result(text)


def test_records_without_id_or_type_are_skipped_alone_with_index_and_line() -> None:
    text = """{
  "totalSize": 3,
  "records": [
    {"attributes": {"type": "Contact"}, "Id": "003A", "Name": "Jennifer Wu"},
    {"attributes": {"type": "Contact"}, "Name": "No Id"},
    {
      "Id": "003C", "Name": "No type"
    }
  ]
}"""

    records, problems = parse_query_result(text)

    assert [r.id for r in records] == ["003A"]
    assert [(p.line, p.message) for p in problems] == [
        (5, "records[1] (Contact) has no Id or referenceId; skipped"),
        (6, "records[2] has no attributes.type; skipped"),
    ]


def test_unknown_sobject_types_are_kept() -> None:
    text = json.dumps({"records": [{"attributes": {"type": "Partner__c"}, "Id": "a01X"}]})

    records, problems = parse_query_result(text)

    assert [(r.type, r.id) for r in records] == [("Partner__c", "a01X")]
    assert problems == []


def test_a_contact_renders_as_title_then_one_line_per_field() -> None:
    raj = record(
        "Contact",
        "003B",
        FirstName="Raj",
        LastName="Patel",
        Title="VP Engineering",
        Email=None,
        ReportsToId="003A",
    )

    source = render(raj, JENNIFER)

    assert source.id == "003B"
    assert source.type == SourceType.crm
    assert source.title == "Contact: Raj Patel"
    assert source.text.split("\n") == [
        "Contact: Raj Patel",
        "FirstName: Raj",
        "LastName: Patel",
        "Title: VP Engineering",
        "ReportsToId: 003A",
        "ReportsTo: Jennifer Wu",
    ]
    assert source.metadata["sobject"] == "Contact"
    assert source.metadata["fields"]["Title"] == "Title: VP Engineering"
    assert source.metadata["fields"]["ReportsTo"] == "ReportsTo: Jennifer Wu"


def test_every_field_line_is_a_line_of_the_text() -> None:
    opportunity = record(
        "Opportunity",
        "006A",
        Name="Acme Renewal FY27",
        AccountId="001A",
        Amount=1200000.0,
        Probability=75,
        IsClosed=False,
        Description="Three-year renewal.\r\n\r\n  Adds analytics.",
    )

    source = render(opportunity, record("Account", "001A", Name="Acme Payments"))

    lines = source.text.split("\n")
    assert all(line in lines for line in source.metadata["fields"].values())
    assert source.metadata["fields"] == {
        "Name": "Name: Acme Renewal FY27",
        "AccountId": "AccountId: 001A",
        "Account": "Account: Acme Payments",
        "Amount": "Amount: 1200000",
        "Probability": "Probability: 75",
        "IsClosed": "IsClosed: false",
        "Description": "Description: Three-year renewal. Adds analytics.",
    }


def test_nulls_empty_strings_and_subquery_lists_are_skipped() -> None:
    account = record("Account", "001A", Name="Acme", ParentId=None, Site="", Contacts={"records": []}, Tags=[])

    assert render(account).text == "Account: Acme\nName: Acme"


def test_unresolvable_reference_gets_no_readable_line() -> None:
    task = record("Task", "00TA", Subject="Call", OwnerId="005A")

    assert render(task).text == "Task: Call\nSubject: Call\nOwnerId: 005A"


def test_nested_relationship_names_the_reference_when_the_bundle_cannot() -> None:
    contact = record(
        "Contact",
        "003B",
        Name="Raj Patel",
        AccountId="001Z",
        Account={"attributes": {"type": "Account"}, "Name": "Acme Payments"},
        Owner={"attributes": {"type": "User"}, "Name": "Sam Rivera"},
    )

    lines = render(contact).text.split("\n")

    assert lines == [
        "Contact: Raj Patel",
        "Name: Raj Patel",
        "AccountId: 001Z",
        "Account: Acme Payments",
        "Owner: Sam Rivera",
    ]


def test_references_resolve_by_the_15_character_form_of_an_id() -> None:
    role = record("OpportunityContactRole", "00KA", ContactId="003000000000001", Role="Evaluator")
    contact = record("Contact", "003000000000001AAA", Name="Jennifer Wu")

    source = render(role, contact)

    assert source.title == "OpportunityContactRole: Jennifer Wu (Evaluator)"
    assert "Contact: Jennifer Wu" in source.text.split("\n")


@pytest.mark.parametrize(
    ("target", "title"),
    [
        (record("Task", "00TA", Subject="Call with Jennifer"), "Task: Call with Jennifer"),
        (record("Event", "00UA", Subject="QBR"), "Event: QBR"),
        (record("Case", "500A", CaseNumber="00001027", Subject="Login fails"), "Case: 00001027 Login fails"),
        (record("Contact", "003C", FirstName="Maria", LastName="Lopez"), "Contact: Maria Lopez"),
        (record("OpportunityCompetitor", "00JA", CompetitorName="Globex"), "OpportunityCompetitor: Globex"),
        (record("OpportunityLineItem", "00kA", Product2Id="01tA"), "OpportunityLineItem: Analytics"),
        (record("Asset", "02iA"), "Asset: 02iA"),
    ],
)
def test_titles_name_the_record_by_what_the_object_has(target: CrmRecord, title: str) -> None:
    product = record("Product2", "01tA", Name="Analytics")

    assert render(target, product).title == title
    assert render(target, product).text.split("\n")[0] == title


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"ActivityDate": "2026-03-12", "CreatedDate": "2026-01-01T00:00:00.000+0000"}, date(2026, 3, 12)),
        ({"CloseDate": "2026-06-30", "LastModifiedDate": "2026-02-01T10:00:00.000+0000"}, date(2026, 6, 30)),
        ({"StartDateTime": "2026-03-20T15:00:00.000+0000"}, date(2026, 3, 20)),
        ({"ActivityDate": None, "CreatedDate": "2026-01-05T08:00:00.000+0000"}, date(2026, 1, 5)),
        ({"CloseDate": "someday"}, None),
        ({}, None),
    ],
)
def test_the_source_date_is_the_most_relevant_date_field(fields: dict[str, Any], expected: date | None) -> None:
    assert render(record("Task", "00TA", Subject="x", **fields)).date == expected


def test_labels_fall_back_to_the_id() -> None:
    assert record_label(record("Product2", "01tA")) == "01tA"


def test_a_multi_line_field_stays_one_line_and_records_where_its_breaks_were() -> None:
    email = "From: Koji Yamada\r\nTo: Megan Ellis\n\n  Dear Ellis-san\nThank you for the proposal. "
    source = render_record(CrmRecord(type="Task", id="00T1", fields={"Id": "00T1", "Description": email}), {})

    line = "Description: From: Koji Yamada To: Megan Ellis Dear Ellis-san Thank you for the proposal."
    assert source.text.split("\n")[1] == line
    breaks = source.metadata["line_breaks"]
    assert [source.text[b - 4 : b] for b in breaks] == ["mada", "llis", "-san"]
    assert all(source.text[b] == " " for b in breaks)
