"""Webhook signatures: `Planwright-Signature: t=<unix>,v1=<hex hmac-sha256(secret, "<t>.<body>")>`.

Standard library only, so a plugin author can copy this file as is to verify our webhooks.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


def digest(secret: str, body: bytes, timestamp: int) -> str:
    """The hex HMAC-SHA256 of `"<timestamp>.<body>"` keyed with the secret (UTF-8)."""
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header value for one secret: `t=<timestamp>,v1=<hex>`."""
    return signature_header([secret], body, timestamp)


def signature_header(secrets: Iterable[str], body: bytes, timestamp: int) -> str:
    """A header with one `v1=` per secret, so receivers on the old or the new secret both verify
    while a rotated secret is still in its grace period."""
    parts = [f"t={int(timestamp)}"] + [f"{SCHEME}={digest(s, body, timestamp)}" for s in secrets]
    return ",".join(parts)


def verify(
    secret: str,
    header: str,
    body: bytes,
    *,
    now: int | None = None,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> bool:
    """True when one `v1=` value of the header is ours for this body and the timestamp is within
    `tolerance_s` of now, in either direction. A malformed header is simply not valid."""
    timestamp: int | None = None
    candidates: list[str] = []
    for item in header.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            return False
        if key == "t":
            if timestamp is not None or not (value.isascii() and value.isdigit()):
                return False
            timestamp = int(value)
        elif key == SCHEME:
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    current = int(time.time()) if now is None else now
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = digest(secret, body, timestamp)
    # Compare against every candidate, never stopping early, so timing says nothing about which one matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected.encode(), candidate.encode())
    return matched
