"""Record the Salesforce pull's cassette: every REST exchange of `pull_account`, in vcrpy's format.

Against the fake org (tests/retrieval/salesforce_org.py, answering from the blind-written
crm_shapes/rest-query bundle):

    .venv/bin/python -m tests.retrieval.cassettes.record_salesforce_pull

Against a developer org instead (the assertions then need that org's account):

    PLANWRIGHT_SALESFORCE_INSTANCE_URL=https://<org>.my.salesforce.com PLANWRIGHT_SALESFORCE_ACCESS_TOKEN=… \\
      .venv/bin/python -m tests.retrieval.cassettes.record_salesforce_pull --live <AccountId>
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import requests
from simple_salesforce import Salesforce

from retrieval.sources.salesforce_pull import pull_account
from tests.retrieval.fake_http import recording
from tests.retrieval.salesforce_org import FakeOrg

HERE = Path(__file__).resolve().parent
CASSETTE = HERE / "salesforce_pull.yaml"
INSTANCE = "https://halvorsen.my.salesforce.com"
ACCOUNT = "001Hq00000Vb3KxIAJ"
BUNDLE = HERE.parent / "fixtures" / "crm_shapes" / "rest-query"


def fake_session() -> requests.Session:
    session = requests.Session()
    session.mount(INSTANCE, FakeOrg(BUNDLE))
    return session


def record(account: str, sf: Salesforce) -> None:
    with recording(sf.session, CASSETTE) as cassette, tempfile.TemporaryDirectory() as tmp:
        report = pull_account(sf, account, Path(tmp))
    print(f"{CASSETTE.relative_to(HERE)}: {len(cassette)} exchanges; pulled {report.records}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--live", metavar="ACCOUNT_ID", help="record against a real org instead of the fake one")
    args = parser.parse_args()
    if args.live:
        sf = Salesforce(instance_url=os.environ["PLANWRIGHT_SALESFORCE_INSTANCE_URL"],
                        session_id=os.environ["PLANWRIGHT_SALESFORCE_ACCESS_TOKEN"])  # fmt: skip
        record(args.live, sf)
        return
    record(ACCOUNT, Salesforce(instance_url=INSTANCE, session_id="00D-fake-session", session=fake_session()))


if __name__ == "__main__":
    main()
