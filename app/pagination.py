"""Opaque cursors over time-ordered ids.

A cursor is the base64url of the last id a page held. Anything else — not base64url, not the
canonical encoding, or not an id — is a 400 naming the parameter, never a query with junk in it.
"""

from __future__ import annotations

import base64
import binascii
import re

from app.problems import Problem

_ID = re.compile(r"[A-Za-z0-9_]{1,64}")  # new_id's `prefix_hex`, or an integer row id
_MAX_ROW_ID = 2**63 - 1


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The id a page ended on, or None for the first page."""
    if not cursor:
        return None
    try:
        padded = cursor.encode("ascii") + b"=" * (-len(cursor) % 4)
        last_id = base64.b64decode(padded, altchars=b"-_", validate=True).decode("ascii")
    except (binascii.Error, UnicodeError) as exc:
        raise _invalid() from exc
    if not _ID.fullmatch(last_id) or encode_cursor(last_id) != cursor:
        raise _invalid()
    return last_id


def decode_row_cursor(cursor: str | None) -> int | None:
    """The integer row id a page ended on (pages ordered by an integer key), or None for the first page."""
    last_id = decode_cursor(cursor)
    if last_id is None:
        return None
    if not last_id.isdigit() or int(last_id) > _MAX_ROW_ID:
        raise _invalid()
    return int(last_id)


def _invalid() -> Problem:
    return Problem(
        400,
        "Invalid cursor",
        "`cursor` must be the `next_cursor` of a previous page, passed as is.",
        errors=[{"loc": ["query", "cursor"], "msg": "not a cursor this API handed out", "type": "cursor"}],
    )
