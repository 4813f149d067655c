"""Record the HubSpot pull's cassette: every CRM API exchange of `pull_company`, in vcrpy's format.

Against the fake portal (tests/retrieval/hubspot_portal.py, answering from the blind-written
hubspot_shapes/api-json bundle):

    .venv/bin/python -m tests.retrieval.cassettes.record_hubspot_pull

Against a real portal instead (a private app's token; the assertions then need that portal's company):

    PLANWRIGHT_HUBSPOT_TOKEN=pat-… .venv/bin/python -m tests.retrieval.cassettes.record_hubspot_pull --live <companyId>
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import requests

from retrieval.sources.hubspot_pull import API, pull_company
from tests.retrieval.fake_http import recording
from tests.retrieval.hubspot_portal import FakePortal

HERE = Path(__file__).resolve().parent
CASSETTE = HERE / "hubspot_pull.yaml"
COMPANY = "31840016501"
BUNDLE = HERE.parent / "fixtures" / "hubspot_shapes" / "api-json"


def record(company: str, session: requests.Session, token: str) -> None:
    with recording(session, CASSETTE) as cassette, tempfile.TemporaryDirectory() as tmp:
        pulled = pull_company(session, token, company, Path(tmp))
    print(f"{CASSETTE.relative_to(HERE)}: {len(cassette)} exchanges; pulled {pulled.records}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", metavar="COMPANY_ID", help="record against a real portal instead of the fake one")
    args = parser.parse_args()
    if args.live:
        record(args.live, requests.Session(), os.environ["PLANWRIGHT_HUBSPOT_TOKEN"])
        return
    session = requests.Session()
    session.mount(API, FakePortal(BUNDLE))
    record(COMPANY, session, "pat-fake")


if __name__ == "__main__":
    main()
