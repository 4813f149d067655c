"""API-key lookups remembered per process for a few seconds, so a busy client costs no key query per request.

Only keys that authenticated are remembered (an unknown key is looked up every time, and a key
issued a moment ago works at once). A key revoked through this process is forgotten at once; one
revoked through another process (or `planwright keys revoke`) is refused here once its entry is
older than the TTL (`PLANWRIGHT_API_KEY_CACHE_TTL_S`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from app.auth.service import Principal, authenticate, hash_key
from app.db import transaction

MAX_ENTRIES = 10_000


class KeyCache:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, Principal]] = {}  # key hash -> (expires at, principal)
        # Keys revoked here, until when they are not remembered: a request that read the key before the
        # revocation committed must not put it back.
        self._forgotten: dict[str, float] = {}

    def get(self, key_hash: str) -> Principal | None:
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return None
            if entry[0] <= self._clock():
                del self._entries[key_hash]
                return None
            return entry[1]

    def cached(self, key: str) -> Principal | None:
        """The key's principal if this process looked it up less than the TTL ago; None means ask the database."""
        return self.get(hash_key(key))

    def put(self, key_hash: str, principal: Principal) -> None:
        if self._ttl_s <= 0:
            return
        with self._lock:
            now = self._clock()
            if self._forgotten.get(principal.key_id or "", now) > now:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries = {h: e for h, e in self._entries.items() if e[0] > now}
                if len(self._entries) >= MAX_ENTRIES:
                    self._entries.clear()
            self._entries[key_hash] = (now + self._ttl_s, principal)

    def forget(self, key_id: str) -> None:
        """Drop the key with this id (it was just revoked here), and do not remember it again for a TTL."""
        with self._lock:
            now = self._clock()
            self._entries = {h: e for h, e in self._entries.items() if e[1].key_id != key_id}
            self._forgotten = {k: until for k, until in self._forgotten.items() if until > now}
            self._forgotten[key_id] = now + self._ttl_s

    def authenticate(self, sessions: sessionmaker[Session], key: str) -> Principal | None:
        """The key's principal, from memory when this process looked it up less than the TTL ago."""
        key_hash = hash_key(key)
        if (principal := self.get(key_hash)) is not None:
            return principal
        with transaction(sessions) as session:
            principal = authenticate(session, key, record_use=True)
        if principal is not None:
            self.put(key_hash, principal)
        return principal
