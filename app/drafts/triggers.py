"""New evidence queues drafts: debounced per account, one draft per affected kind, never forgotten.

An import records a trigger row per affected kind in its own transaction (`evidence_changed`);
once the account has been quiet for the delay, the trigger is taken and a draft queued. A timer
fires the trigger on time in this process; the sweeper (`app.drafts.sweeper`) fires any trigger
that is due in every process, so a crash during the quiet period delays the draft, never loses it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from itertools import groupby

from sqlalchemy.orm import Session, sessionmaker

from agents.drafting import ENGINES
from app.accounts.models import Account
from app.db import transaction, utcnow
from app.drafts import repository
from app.drafts.service import request_draft
from plans.vocabulary import DraftKind

log = logging.getLogger(__name__)


def supported_kinds(engine: str) -> set[DraftKind]:
    return {kind for kind, name in ENGINES if name == engine}


def queue_drafts(
    sessions: sessionmaker[Session], tenant: str, account_id: str, kinds: Iterable[DraftKind], engine: str
) -> list[str]:
    """Create a `running` draft for each kind the engine can draft; the caller runs them."""
    with transaction(sessions) as session:
        return _queue(session, tenant, account_id, kinds, engine)


def _queue(session: Session, tenant: str, account_id: str, kinds: Iterable[str], engine: str) -> list[str]:
    wanted = [k for k in DraftKind if k in set(kinds) & supported_kinds(engine)]
    account = session.get(Account, account_id)
    if account is None or account.tenant != tenant:
        return []
    return [request_draft(session, account, kind, engine, "evidence").id for kind in wanted]


class DraftScheduler:
    """Waits `delay_s` after the last evidence change of an account before drafting, so a plugin
    pushing fifty notes in a row causes one draft per kind, not fifty; a plugin that never stops
    pushing still gets drafts, `max_wait_s` (12 quiet periods, at least a minute) after its first change."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        submit: Callable[[str], object],
        engine: str,
        delay_s: float,
        clock: Callable[[], datetime] = utcnow,
        max_wait_s: float | None = None,
    ) -> None:
        self._sessions = sessions
        self._submit = submit
        self._engine = engine
        self._delay_s = delay_s
        self._max_wait_s = max_wait_s if max_wait_s is not None else max(12 * delay_s, 60.0)
        self._clock = clock
        self._lock = threading.Lock()
        self._timers: dict[tuple[str, str], threading.Timer] = {}
        self._closed = False

    def evidence_changed(
        self, session: Session, tenant: str, account_id: str, kinds: Iterable[DraftKind]
    ) -> datetime:
        """Record, in the caller's transaction, that the account's evidence changed for these kinds;
        return when their drafts are due."""
        due = repository.record_triggers(
            session, tenant, account_id, [str(k) for k in kinds], self._clock(), self._delay_s, self._max_wait_s
        )
        key = (tenant, account_id)
        with self._lock:
            if self._closed:
                return due
            if (timer := self._timers.pop(key, None)) is not None:
                timer.cancel()
            # A little after it is due, so the trigger the timer looks for is due.
            wait = max((due - self._clock()).total_seconds(), 0.0) + 0.05
            timer = threading.Timer(wait, self._fire_logged)
            timer.daemon = True
            self._timers[key] = timer
            timer.start()
        return due

    def fire_due(self, submit: bool = True, *, everything: bool = False) -> list[str]:
        """Queue a draft for every trigger whose quiet period is over (`everything`: for every trigger)."""
        with transaction(self._sessions) as session:
            due = repository.due_triggers(session, self._clock(), everything=everything)
            ids: list[str] = []
            for (tenant, account_id), triggers in groupby(due, key=lambda t: (t.tenant, t.account_id)):
                kinds = [t.kind for t in triggers if repository.take_trigger(session, t)]
                ids += _queue(session, tenant, account_id, kinds, self._engine)
        if submit:
            for draft_id in ids:
                self._submit(draft_id)
        return ids

    def flush(self, submit: bool = True) -> list[str]:
        """Queue everything waiting now, quiet period or not."""
        return self.fire_due(submit, everything=True)

    def close(self) -> None:
        """Stop the timers; the triggers stay recorded for the next process to fire."""
        with self._lock:
            self._closed = True
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()

    def _fire_logged(self) -> None:
        try:
            self.fire_due()
        except Exception:  # the timer thread has no caller; the sweeper fires the trigger later
            log.exception("could not queue drafts for due evidence triggers")
