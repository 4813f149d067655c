"""What the fake CRM servers and their cassette recorders share: JSON answers in a `requests`
adapter, and recording every exchange of a `requests.Session` into a vcrpy cassette."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
import vcr
from vcr.cassette import Cassette


def json_response(
    request: requests.PreparedRequest, body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> requests.Response:
    """A response as the server writes it: JSON body, status and content type."""
    response = requests.Response()
    response.status_code = status
    response.reason = "OK" if status == 200 else "Not Found"
    response.headers.update({"Content-Type": "application/json;charset=UTF-8", **(headers or {})})
    response._content = json.dumps(body).encode()
    response.url = request.url or ""
    response.request = request
    return response


@contextmanager
def recording(session: requests.Session, cassette_path: Path) -> Iterator[Cassette]:
    """Record every exchange `session` makes in the block into `cassette_path` (rewritten), in vcrpy's
    format and with its header filters: the same exchanges a replay through vcrpy then answers.

    A fake server mounted as a requests adapter never reaches the sockets vcrpy patches, so the
    exchanges are appended as they happen instead."""
    cassette_path.unlink(missing_ok=True)
    recorder = vcr.VCR(record_mode="all", filter_headers=["authorization"], serializer="yaml")
    with recorder.use_cassette(str(cassette_path)) as cassette:
        original = session.send

        def send(request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            response = original(request, **kwargs)
            cassette.append(
                vcr.request.Request(request.method, request.url, request.body, dict(request.headers)),
                {"status": {"code": response.status_code, "message": response.reason},
                 "headers": {k: [v] for k, v in response.headers.items()},
                 "body": {"string": response.content}},
            )  # fmt: skip
            return response

        session.send = send  # type: ignore[method-assign]
        try:
            yield cassette
        finally:
            session.send = original  # type: ignore[method-assign]
