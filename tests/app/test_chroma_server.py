"""The service on a real Chroma server (`chroma run`, PLANWRIGHT_CHROMA_URL), as it is deployed to scale:
a demo bundle imported through the API, drafted and searched, its chunks in the server and nowhere else."""

from __future__ import annotations

from collections.abc import Callable

import chromadb
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from app.state import AppState
from retrieval.store import chroma_settings
from tests.app.chroma_server import ChromaServer
from tests.app.support import DEMO_BUNDLES, Keys, upload, wait_for_draft


def _chunks_in(server: ChromaServer) -> int:
    client = chromadb.HttpClient(host="127.0.0.1", port=server.port, settings=chroma_settings())
    try:
        return sum(collection.count() for collection in client.list_collections())
    finally:
        client.close()


def test_a_demo_bundle_imported_drafted_and_searched_on_a_chroma_server(
    settings: Settings, state_factory: Callable[[Settings], AppState], chroma_server: ChromaServer
) -> None:
    served = settings.model_copy(update={"chroma_url": chroma_server.url})
    with TestClient(create_app(served, state_factory=state_factory)) as client:
        keys = Keys(client.app.state.planwright, "acme-sales")  # type: ignore[attr-defined]
        reviewer = Keys.header(keys.reviewer)
        report = upload(client, keys.integration, DEMO_BUNDLES / "northwind-health")
        account = report["account_id"]
        started = client.post(f"/v1/accounts/{account}/drafts", json={"kind": "stakeholder_map"}, headers=reviewer)
        assert started.status_code == 202, started.text
        draft = wait_for_draft(client, keys.reviewer, started.json()["id"])
        cited = {c["source_id"] for change in draft["changes"] for c in change["citations"]}
        sources = {sid: client.get(f"/v1/sources/{sid}", headers=reviewer).status_code for sid in cited}
        search = client.get(f"/v1/accounts/{account}/search", params={"q": "renewal", "k": 5}, headers=reviewer)
        ready = client.get("/readyz")

    assert report["chunks_embedded"] > 100
    assert draft["status"] == "pending_review" and draft["engine"] == "offline"
    assert draft["changes"] and cited and set(sources.values()) == {200}
    assert search.status_code == 200
    hits = search.json()["hits"]
    assert hits and all(hit["source_id"] and hit["text"] for hit in hits)
    assert ready.json()["checks"]["vector_store"] == "ok"
    # The chunks live in the server, and no embedded store was opened beside it.
    assert _chunks_in(chroma_server) >= report["chunks_embedded"]
    assert not served.chroma_path.exists()
