"""Identifiers that sort by creation time, so cursors can page by id."""

from __future__ import annotations

import secrets
import time


def new_id(prefix: str) -> str:
    return f"{prefix}_{time.time_ns():x}{secrets.token_hex(4)}"
