"""Request bodies read within a byte limit, for every endpoint that takes an upload.

A body is refused (413) from its Content-Length before a byte of it is read; a body without one
(chunked) is counted while it streams and refused as soon as it passes the limit. Nothing is
buffered past the limit: JSON is held in memory up to it, a multipart file is spooled to a
temporary file (in memory up to 1 MiB, then on disk) that is gone once the form is closed.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing

from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from app.problems import Problem


def human_bytes(size: int) -> str:
    """`200 MiB`, `1.5 GiB`, `32 KiB`, `512 bytes`."""
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:,.4g} {unit}"
    return f"{size:,} bytes"


def too_large(limit: int) -> Problem:
    return Problem(413, "Too large", f"The limit is {human_bytes(limit)} per request.", limit_bytes=limit)


async def limited_stream(request: Request, limit: int) -> AsyncGenerator[bytes]:
    """The request body's chunks; 413 from Content-Length before reading, or once `limit` bytes have passed."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise too_large(limit)
        yield chunk


async def read_body(request: Request, limit: int) -> bytes:
    """The whole body (a JSON document), at most `limit` bytes."""
    body = bytearray()
    async with aclosing(limited_stream(request, limit)) as chunks:
        async for chunk in chunks:
            body += chunk
    return bytes(body)


async def read_form(request: Request, limit: int) -> FormData:
    """A multipart form of at most `limit` bytes; its files are spooled, and the caller closes the form.

    Any other content type gives an empty form without reading the body."""
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return FormData()
    async with aclosing(limited_stream(request, limit)) as chunks:
        try:
            return await MultiPartParser(request.headers, chunks, max_files=4, max_fields=16).parse()
        except MultiPartException as exc:
            raise Problem(400, "Malformed upload", exc.message) from exc
