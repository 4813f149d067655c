"""CRM files in every shape Salesforce's tools write them, read into the same records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retrieval.bundle import load_bundle
from retrieval.sources.records import CrmFileError
from retrieval.sources.salesforce_csv import api_name, parse_csv
from retrieval.sources.salesforce_json import parse_json
from retrieval.sources.text import Undecodable, decode

ACCOUNT = {"attributes": {"type": "Account"}, "Id": "001A00000000001AAA", "Name": "Halvorsen Maritime ASA"}
CONTACT = {"attributes": {"type": "Contact"}, "Id": "003A00000000001AAA", "LastName": "Berge", "FirstName": "Mats",
           "AccountId": "001A00000000001AAA"}  # fmt: skip


def write(folder: Path, relative: str, content: str | bytes) -> None:
    path = folder / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())


def test_sf_data_query_json_output_is_unwrapped() -> None:
    wrapped = {"status": 0, "result": {"records": [CONTACT], "totalSize": 1, "done": True}, "warnings": []}

    parsed = parse_json(json.dumps(wrapped))

    assert [(r.type, r.get("LastName")) for r in parsed.records] == [("Contact", "Berge")]


def test_a_failed_sf_command_is_an_error_that_says_so() -> None:
    failed = {"status": 1, "name": "MalformedQueryError", "message": "unexpected token: FORM"}
    with pytest.raises(CrmFileError, match="the sf command that wrote this file failed: unexpected token: FORM"):
        parse_json(json.dumps(failed))


def test_nested_children_become_records_linked_to_their_parent() -> None:
    account = {
        **ACCOUNT,
        "ChildAccounts": {"records": [{"attributes": {"type": "Account"}, "Id": "001U", "Name": "Ports"}]},
        "Contacts": {"totalSize": 1, "done": True, "records": [{"attributes": {"type": "Contact"}, "Id": "003B",
                                                                "LastName": "Lund"}]},
    }  # fmt: skip

    parsed = parse_json(json.dumps({"records": [account]}))

    by_id = {r.id: r for r in parsed.records}
    assert by_id["001U"].get("ParentId") == ACCOUNT["Id"]
    assert by_id["003B"].get("AccountId") == ACCOUNT["Id"]
    assert "Contacts" not in by_id[ACCOUNT["Id"]].fields


def test_a_tree_export_with_a_plan_keeps_its_hierarchy_through_reference_ids(tmp_path: Path) -> None:
    write(tmp_path, "crm/Account.json", json.dumps({"records": [
        {"attributes": {"type": "Account", "referenceId": "AccountRef1"}, "Name": "Halvorsen Maritime ASA"},
        {"attributes": {"type": "Account", "referenceId": "AccountRef2"}, "Name": "Halvorsen Ports",
         "ParentId": "@AccountRef1"},
    ]}))  # fmt: skip
    write(tmp_path, "crm/Contact.json", json.dumps({"records": [
        {"attributes": {"type": "Contact", "referenceId": "ContactRef1"}, "LastName": "Berge",
         "AccountId": "@AccountRef1"},
        {"attributes": {"type": "Contact", "referenceId": "ContactRef2"}, "LastName": "Lund",
         "AccountId": "@AccountRef2", "ReportsToId": "@ContactRef1"},
    ]}))  # fmt: skip
    write(tmp_path, "crm/Account-Contact-plan.json", json.dumps([
        {"sobject": "Account", "saveRefs": True, "resolveRefs": False, "files": ["Account.json"]},
        {"sobject": "Contact", "saveRefs": False, "resolveRefs": True, "files": ["Contact.json"]},
    ]))  # fmt: skip

    bundle = load_bundle(tmp_path)

    assert bundle.issues == []
    assert bundle.account.get("Name") == "Halvorsen Maritime ASA"
    lund = next(r for r in bundle.of_type("Contact") if r.get("LastName") == "Lund")
    assert (lund.get("AccountId"), lund.get("ReportsToId")) == ("AccountRef2", "ContactRef1")
    rendered = next(s for s in bundle.sources if s.id == "ContactRef2").text
    assert "ReportsTo: Berge" in rendered and "Account: Halvorsen Ports" in rendered


def test_a_page_whose_rest_is_missing_is_reported_and_a_complete_set_of_pages_is_not(tmp_path: Path) -> None:
    write(tmp_path, "crm/Account.json", json.dumps({"records": [ACCOUNT]}))
    first = {**CONTACT, "Id": "003P1"}
    second = {**CONTACT, "Id": "003P2"}
    page = {"totalSize": 2, "done": False, "nextRecordsUrl": "/services/data/v61.0/query/01gD-2000"}
    write(tmp_path, "crm/Contact-1.json", json.dumps({**page, "records": [first]}))
    task = {"attributes": {"type": "Task"}, "Id": "00T1", "Subject": "Call"}
    write(tmp_path, "crm/Task.json", json.dumps({**page, "totalSize": 3, "records": [task]}))

    truncated = load_bundle(tmp_path).issues
    assert [(i.path, "truncated" in i.message) for i in truncated] == [
        ("crm/Contact-1.json", True), ("crm/Task.json", True)
    ]  # fmt: skip
    assert "3 Task records and the bundle holds 1" in truncated[1].message

    write(tmp_path, "crm/Contact-2.json", json.dumps({"totalSize": 2, "done": True, "records": [second]}))
    assert [i.path for i in load_bundle(tmp_path).issues] == ["crm/Task.json"]


def test_files_in_subfolders_of_crm_are_read(tmp_path: Path) -> None:
    write(tmp_path, "crm/core/Account.json", json.dumps({"records": [ACCOUNT]}))
    write(tmp_path, "crm/2026-09/Contact.json", json.dumps({"records": [CONTACT]}))

    bundle = load_bundle(tmp_path)

    assert [r.get("LastName") for r in bundle.of_type("Contact")] == ["Berge"]
    assert next(s for s in bundle.sources if s.id == CONTACT["Id"]).origin == "crm/2026-09/Contact.json"


DATA_LOADER_CONTACTS = (
    '"ID","ACCOUNTID","FIRSTNAME","LASTNAME","TITLE","REPORTSTOID","CONTACT_STATUS__C","INACTIVE__C"\n'
    '"003A00000000001AAA","001A00000000001AAA","Mats","Berge","CFO","","","false"\n'
    '"003A00000000002AAA","001A00000000001AAA","Sofie","Lund","VP Digital","003A00000000001AAA","Left Company",'
    '"true"\n'
)


def test_a_data_loader_csv_reads_like_the_json_of_the_same_records() -> None:
    parsed = parse_csv(DATA_LOADER_CONTACTS, "extract_Contact")

    berge, lund = parsed.records
    assert parsed.problems == []
    assert berge.type == "Contact" and berge.get("ReportsToId") is None and berge.get("Inactive__c") is False
    assert lund.get("ReportsToId") == berge.id
    assert lund.get("Contact_Status__c") == "Left Company" and lund.get("Inactive__c") is True


def test_a_csv_names_its_object_by_file_name_else_by_id_prefix() -> None:
    opportunities = '"ID","NAME","AMOUNT","ISCLOSED"\n"006A00000000001AAA","Fleet Telemetry","240000.00","false"\n'

    (opportunity,) = parse_csv(opportunities, "export").records

    assert opportunity.type == "Opportunity"
    assert opportunity.get("Amount") == 240000.0 and opportunity.get("IsClosed") is False


@pytest.mark.parametrize(
    ("header", "name"),
    [("ACCOUNTID", "AccountId"), ("STAGENAME", "StageName"), ("CONTACT_STATUS__C", "Contact_Status__c"),
     ("Id", "Id")],
)  # fmt: skip
def test_data_loader_headers_map_back_to_api_names(header: str, name: str) -> None:
    assert api_name(header) == name


def test_a_csv_of_field_labels_is_refused_with_what_is_needed() -> None:
    with pytest.raises(CrmFileError, match="upper-case API field names"):
        parse_csv('"First Name","Last Name","Title"\n"Mats","Berge","CFO"\n', "report")


def test_a_csv_bundle_imports_end_to_end(tmp_path: Path) -> None:
    write(tmp_path, "crm/Account.csv", '"ID","NAME","PARENTID"\n"001A00000000001AAA","Halvorsen Maritime ASA",""\n')
    write(tmp_path, "crm/Contact.csv", DATA_LOADER_CONTACTS)

    bundle = load_bundle(tmp_path)

    assert bundle.account.get("Name") == "Halvorsen Maritime ASA"
    lund = next(s for s in bundle.sources if s.id == "003A00000000002AAA")
    assert "ReportsTo: Mats Berge" in lund.text and "Contact_Status__c: Left Company" in lund.text


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("Kjærvik".encode(), "Kjærvik", "utf-8"),
        ("\ufeffKjærvik\r\n".encode(), "Kjærvik\n", "utf-8-sig"),
        ("\ufeffKjærvik".encode("utf-16-le"), "Kjærvik", "utf-16"),
        ('{"a": 1}'.encode("utf-16-le"), '{"a": 1}', "utf-16-le"),
        ("Kjærvik – ok".encode("cp1252"), "Kjærvik – ok", "cp1252"),
    ],
)
def test_text_is_decoded_from_the_encodings_exports_come_in(data: bytes, text: str, encoding: str) -> None:
    decoded = decode(data)
    assert (decoded.text, decoded.encoding) == (text, encoding)
    assert decoded.guessed is (encoding == "cp1252")


def test_binary_data_is_not_text() -> None:
    with pytest.raises(Undecodable, match="binary"):
        decode(b"PK\x03\x04\x00\x00\xff\xfe")


def test_hubspot_line_items_and_products_become_a_deals_line_items_and_the_catalogue() -> None:
    from retrieval.sources.hubspot import parse_hubspot

    line_items = {"results": [{
        "id": "901", "properties": {"name": "Fleet Telemetry", "quantity": "2", "price": "120000", "amount": "240000",
                                    "hs_product_id": "77"},
        "associations": {"deals": {"results": [{"id": "41200598871", "type": "line_item_to_deal"}]}},
    }]}  # fmt: skip
    catalogue = {"name": "Fleet Telemetry", "hs_sku": "FT-1", "price": "120000"}
    products = {"results": [{"id": "77", "properties": catalogue}]}

    (item,) = parse_hubspot(line_items, "line_items").records
    (product,) = parse_hubspot(products, "export").records

    assert item.type == "OpportunityLineItem" and item.id == "hs-line_item-901"
    assert (item.get("OpportunityId"), item.get("Product2Id"), item.get("TotalPrice")) == (
        "hs-deal-41200598871", "hs-product-77", 240000.0
    )  # fmt: skip
    assert (product.type, product.id, product.get("Name"), product.get("ProductCode")) == (
        "Product2", "hs-product-77", "Fleet Telemetry", "FT-1"
    )  # fmt: skip
