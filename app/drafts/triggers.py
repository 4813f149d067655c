"""New evidence queues drafts: debounced per account, one draft per affected kind."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable

from sqlalchemy.orm import Session, sessionmaker

from agents.drafting import ENGINES
from app.accounts.models import Account
from app.db import transaction
from app.drafts.service import request_draft
from plans.vocabulary import DraftKind

log = logging.getLogger(__name__)


def supported_kinds(engine: str) -> set[DraftKind]:
    return {kind for kind, name in ENGINES if name == engine}


def queue_drafts(
    sessions: sessionmaker[Session], tenant: str, account_id: str, kinds: Iterable[DraftKind], engine: str
) -> list[str]:
    """Create a `running` draft for each kind the engine can draft; the caller runs them."""
    wanted = [k for k in DraftKind if k in set(kinds) & supported_kinds(engine)]
    with transaction(sessions) as session:
        account = session.get(Account, account_id)
        if account is None or account.tenant != tenant:
            return []
        return [request_draft(session, account, kind, engine, "evidence").id for kind in wanted]


class DraftScheduler:
    """Waits `delay_s` after the last evidence change of an account before drafting, so a plugin
    pushing fifty notes in a row causes one draft per kind, not fifty."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        submit: Callable[[str], object],
        engine: str,
        delay_s: float,
    ) -> None:
        self._sessions = sessions
        self._submit = submit
        self._engine = engine
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], set[DraftKind]] = {}
        self._timers: dict[tuple[str, str], threading.Timer] = {}

    def evidence_changed(self, tenant: str, account_id: str, kinds: Iterable[DraftKind]) -> None:
        key = (tenant, account_id)
        with self._lock:
            self._pending.setdefault(key, set()).update(kinds)
            if (timer := self._timers.pop(key, None)) is not None:
                timer.cancel()
            timer = threading.Timer(self._delay_s, self._fire, args=(key,))
            timer.daemon = True
            self._timers[key] = timer
            timer.start()

    def _fire(self, key: tuple[str, str], submit: bool = True) -> list[str]:
        with self._lock:
            self._timers.pop(key, None)
            kinds = self._pending.pop(key, set())
        if not kinds:
            return []
        try:
            ids = queue_drafts(self._sessions, key[0], key[1], kinds, self._engine)
        except Exception:  # the timer thread has no caller to report to; the log is the record
            log.exception("could not queue drafts for account %s", key[1])
            return []
        if submit:
            for draft_id in ids:
                self._submit(draft_id)
        return ids

    def flush(self, submit: bool = True) -> list[str]:
        """Queue everything waiting now. At shutdown (submit=False) the drafts are only recorded
        as running; the next process start runs them, so no evidence change is forgotten."""
        with self._lock:
            keys = list(self._pending)
            for key in keys:
                if (timer := self._timers.pop(key, None)) is not None:
                    timer.cancel()
        return [draft_id for key in keys for draft_id in self._fire(key, submit)]
