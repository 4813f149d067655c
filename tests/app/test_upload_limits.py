"""Upload limits: bodies refused before they are read, zip bombs refused while unpacking, oversized
evidence skipped, and no chunk larger than the chunker's ceiling (issue 9, items 4, 5 and 9)."""

from __future__ import annotations

import asyncio
import io
import json
import random
import shutil
import struct
import tempfile
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.settings import Settings
from retrieval.chunking import MAX_CHUNK_CHARS, chunk_source
from retrieval.evidence import Source, SourceType
from tests.app.support import MINI_BUNDLE, Keys, upload, zip_bundle

UPLOAD_LIMIT = 1 << 20
PUSH_LIMIT = 128 * 1024
EVIDENCE_LIMIT = 32 * 1024
BLOCK = 16 * 1024


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={
            "max_upload_bytes": UPLOAD_LIMIT,
            "max_push_bytes": PUSH_LIMIT,
            "max_zip_members": 60,
            "max_unzipped_bytes": 6 << 20,
            "max_zip_member_bytes": 4 << 20,
            "max_evidence_file_bytes": EVIDENCE_LIMIT,
        }
    )


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The server's temporary folder, to check that a refused upload leaves nothing in it."""
    folder = tmp_path / "spool"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder


def _accounts(client: TestClient, keys: Keys) -> list[Any]:
    return client.get("/v1/accounts", headers=Keys.header(keys.reviewer)).json()["items"]  # type: ignore[no-any-return]


def _post_zip(client: TestClient, keys: Keys, data: bytes) -> httpx.Response:
    return client.post(
        "/v1/import", headers=Keys.header(keys.integration), files={"bundle": ("b.zip", data, "application/zip")}
    )


def _refused(client: TestClient, keys: Keys, spool: Path, archive: bytes, status: int) -> str:
    """Upload the zip, check it was refused with `status` leaving nothing behind, and return the detail."""
    response = _post_zip(client, keys, archive)
    assert response.status_code == status, response.text
    assert _accounts(client, keys) == []
    assert list(spool.iterdir()) == []
    detail: str = response.json()["detail"]
    assert str(spool) not in detail and "planwright-import" not in detail
    return detail


# -- request bodies ---------------------------------------------------------------------------------

MULTIPART = "multipart/form-data; boundary=limit-test"
FILE_PART = b'--limit-test\r\nContent-Disposition: form-data; name="%s"; filename="x"\r\n\r\n'


class CountingBody:
    """A streamed request body that never ends by itself and counts the bytes the server pulled."""

    def __init__(self, head: bytes = b"") -> None:
        self.head = head
        self.consumed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        self.consumed += len(self.head)
        yield self.head
        for _ in range(1000):  # 16 MiB: far past every limit, so a server that reads on is caught
            self.consumed += BLOCK
            yield b"\0" * BLOCK


def _stream(client: TestClient, path: str, headers: dict[str, str], body: CountingBody) -> httpx.Response:
    """POST through the ASGI app directly: unlike TestClient, httpx's ASGI transport pulls the body lazily."""

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=client.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            return await http.post(path, headers=headers, content=body)

    return asyncio.run(post())


ENDPOINTS = [
    ("/v1/import", MULTIPART, FILE_PART % b"bundle", UPLOAD_LIMIT),
    ("/v1/accounts/acc_any/notes", "application/json", b'{"text": "', PUSH_LIMIT),
    ("/v1/accounts/acc_any/notes", MULTIPART, FILE_PART % b"file", PUSH_LIMIT),
    ("/v1/accounts/acc_any/calls", MULTIPART, FILE_PART % b"file", PUSH_LIMIT),
    ("/v1/accounts/acc_any/records", "application/json", b'{"records": [', PUSH_LIMIT),
]


@pytest.mark.parametrize(("path", "content_type", "head", "limit"), ENDPOINTS)
def test_a_declared_length_over_the_limit_is_refused_before_reading(
    client: TestClient, keys: Keys, path: str, content_type: str, head: bytes, limit: int
) -> None:
    body = CountingBody(head)
    headers = {**Keys.header(keys.integration), "Content-Type": content_type, "Content-Length": str(limit + 1)}

    response = _stream(client, path, headers, body)

    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["limit_bytes"] == limit
    assert body.consumed == 0


@pytest.mark.parametrize(("path", "content_type", "head", "limit"), ENDPOINTS)
def test_a_chunked_body_is_stopped_as_soon_as_it_passes_the_limit(
    client: TestClient, keys: Keys, spool: Path, path: str, content_type: str, head: bytes, limit: int
) -> None:
    body = CountingBody(head)
    headers = {**Keys.header(keys.integration), "Content-Type": content_type}

    response = _stream(client, path, headers, body)

    assert response.status_code == 413, response.text
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert limit < body.consumed <= limit + len(head) + 2 * BLOCK
    assert list(spool.iterdir()) == []


def test_the_limits_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in [("UPLOAD", 1), ("PUSH", 2), ("UNZIPPED", 3), ("ZIP_MEMBER", 4), ("EVIDENCE_FILE", 5)]:
        monkeypatch.setenv(f"PLANWRIGHT_MAX_{name}_BYTES", str(value))
    monkeypatch.setenv("PLANWRIGHT_MAX_ZIP_MEMBERS", "6")

    got = Settings(_env_file=None)  # type: ignore[call-arg]

    assert (got.max_upload_bytes, got.max_push_bytes, got.max_unzipped_bytes) == (1, 2, 3)
    assert (got.max_zip_member_bytes, got.max_evidence_file_bytes, got.max_zip_members) == (4, 5, 6)


# -- zips -----------------------------------------------------------------------------------------


def _bundle_zip(extra: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """The mini bundle under `bundle/`, plus `extra` members named in full."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as zf:
        for path in sorted(MINI_BUNDLE.rglob("*")):
            if path.is_file():
                zf.write(path, Path("bundle") / path.relative_to(MINI_BUNDLE))
        for name, data in extra.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _declare_size(archive: bytes, name: str, size: int) -> bytes:
    """The zip with `name`'s uncompressed size rewritten, in its local header and the central directory."""
    data = bytearray(archive)
    encoded = name.encode()
    for signature, size_at, name_length_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        at = data.find(signature)
        while at >= 0:
            (length,) = struct.unpack_from("<H", data, at + name_length_at)
            if bytes(data[at + name_at : at + name_at + length]) == encoded:
                struct.pack_into("<I", data, at + size_at, size)
            at = data.find(signature, at + 4)
    return bytes(data)


def test_a_zip_bomb_is_refused_and_nothing_is_imported(client: TestClient, keys: Keys, spool: Path) -> None:
    bomb = _bundle_zip({"bundle/notes/zeros.md": b"\0" * (3 << 20)})
    assert len(bomb) < 64 * 1024

    detail = _refused(client, keys, spool, bomb, 413)

    assert detail.startswith("zip member 'bundle/notes/zeros.md' unpacks to over 100 times its compressed size")


def test_a_zip_whose_headers_understate_a_file_is_refused_as_malformed(
    client: TestClient, keys: Keys, spool: Path
) -> None:
    name = "bundle/notes/liar.md"
    liar = _declare_size(_bundle_zip({name: b"\0" * (2 << 20)}), name, 1_000)
    assert zipfile.ZipFile(io.BytesIO(liar)).getinfo(name).file_size == 1_000

    detail = _refused(client, keys, spool, liar, 422)

    assert detail.startswith(f"zip member {name!r} cannot be unpacked: Bad CRC-32")


def test_a_zip_whose_headers_overstate_a_file_is_refused_before_unpacking(
    client: TestClient, keys: Keys, spool: Path
) -> None:
    name = "bundle/notes/huge.md"
    huge = _declare_size(_bundle_zip({name: b"small"}), name, 3 << 30)

    detail = _refused(client, keys, spool, huge, 413)

    assert detail == f"zip member {name!r} unpacks to more than 4 MiB, the limit for one file"


def test_what_a_zip_unpacks_to_in_all_is_capped(client: TestClient, keys: Keys, spool: Path) -> None:
    # Text that compresses about 15 to 1, as notes do: no file is over its limit or looks like a bomb.
    words = random.Random(0).choices(["yes ", "no "], k=550_000)
    parts = {f"bundle/notes/part-{n}.md": "".join(words).encode() for n in range(4)}  # 1.9 MiB each
    archive = _bundle_zip(parts)
    assert len(archive) < UPLOAD_LIMIT

    detail = _refused(client, keys, spool, archive, 413)

    assert detail == "the zip unpacks to more than 6 MiB in all, the limit"


def test_a_zip_with_too_many_members_is_refused(client: TestClient, keys: Keys, spool: Path) -> None:
    notes = {f"bundle/notes/n{n}.md": b"# Note\n\nhello\n" for n in range(70)}

    detail = _refused(client, keys, spool, _bundle_zip(notes), 413)

    assert detail == "the zip holds 81 files and folders; the limit is 60"


@pytest.mark.parametrize(
    ("members", "named"),
    [
        ({"bundle/notes/" + "n" * 300 + ".md": b"# Note\n"}, "bundle/notes/" + "n" * 300 + ".md"),
        ({"bundle/notes/a.md": b"# A\n", "bundle/notes/a.md/b.md": b"# B\n"}, "bundle/notes/a.md"),
        ({"bundle/calls": b"not a folder"}, "bundle/calls"),
    ],
    ids=["300-character name", "file inside a file", "file where the folder goes"],
)
def test_a_member_that_cannot_be_unpacked_is_a_422_naming_it(
    client: TestClient, keys: Keys, spool: Path, members: dict[str, bytes], named: str
) -> None:
    detail = _refused(client, keys, spool, _bundle_zip(members), 422)

    assert detail.startswith(f"zip member {named!r} ")


def test_an_unimportable_bundle_names_no_server_path(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    folder = tmp_path / "no-ids"
    (folder / "crm").mkdir(parents=True)
    (folder / "crm" / "Account.json").write_text(json.dumps({"records": [{"attributes": {"type": "Account"}}]}))

    response = _post_zip(client, keys, zip_bundle(folder))

    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("the bundle has no parent Account")
    assert response.json()["issues"] == ["crm/Account.json:1: records[0] (Account) has no Id or referenceId; skipped"]
    assert "planwright-import" not in detail and str(tmp_path) not in detail


# -- oversized evidence ---------------------------------------------------------------------------


def test_an_oversized_note_is_skipped_with_an_issue_and_the_rest_imports(
    client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    bundle = tmp_path / "bundle"
    shutil.copytree(MINI_BUNDLE, bundle)
    (bundle / "notes" / "huge.md").write_text("# Huge\n\n" + "All quiet on the account. " * 2_000)  # 51 KiB

    report = upload(client, keys.integration, bundle)

    oversized = [s for s in report["skipped"] if s.startswith("notes/huge.md: ")]
    assert oversized == ["notes/huge.md: 50.79 KiB of text, over the limit of 32 KiB for one note; skipped"]
    assert report["sources"]["added"] > 0
    assert client.get("/v1/sources/huge", headers=Keys.header(keys.reviewer)).status_code == 404
    assert client.get("/v1/sources/note-exec-sync-2026-03-05", headers=Keys.header(keys.reviewer)).status_code == 200


def test_an_oversized_pushed_note_is_skipped_with_an_issue(client: TestClient, keys: Keys) -> None:
    account = upload(client, keys.integration)["account_id"]

    response = client.post(
        f"/v1/accounts/{account}/notes",
        headers=Keys.header(keys.integration),
        json={"id": "big-note", "text": "Renewal is on track. " * 2_000},
    )

    assert response.status_code == 200, response.text
    assert response.json()["sources"]["added"] == 0
    assert [s for s in response.json()["skipped"] if s.startswith("notes/big-note.md: ")] == [
        "notes/big-note.md: 41.01 KiB of text, over the limit of 32 KiB for one note; skipped"
    ]
    assert client.get("/v1/sources/big-note", headers=Keys.header(keys.reviewer)).status_code == 404


@pytest.mark.parametrize("kind", list(SourceType))
@pytest.mark.parametrize("line", ["x" * 1_000_000, "word " * 200_000], ids=["unbroken", "spaced"])
def test_no_chunk_is_ever_larger_than_the_ceiling(kind: SourceType, line: str) -> None:
    text = ("[00:00:01] Ann: " if kind == SourceType.call else "") + line.strip()
    source = Source(id="s", type=kind, title="t", text=text)

    chunks = chunk_source(source)

    assert max(len(c.text) for c in chunks) <= MAX_CHUNK_CHARS
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert "".join("".join(c.text.split()) for c in chunks) == "".join(text.split())
