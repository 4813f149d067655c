"""Opaque cursors over time-ordered ids."""

from __future__ import annotations

import base64
import binascii

from app.problems import Problem


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    if not cursor:
        return None
    try:
        return base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise Problem(400, "Invalid cursor", "Pass the next_cursor of a previous page as is.") from exc
