"""`planwright worker`: runs the drafts API processes record as `running` when
PLANWRIGHT_DRAFT_EXECUTION=worker. Every draft is claimed with a lease before it runs, so any
number of workers (and API processes resuming drafts at start) never run one draft twice."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from types import FrameType

from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.drafts.service import claimable_draft_ids
from app.state import AppState

log = logging.getLogger(__name__)


class DraftWorker:
    """Polls for claimable running drafts and runs up to `concurrency` of them at a time."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        run: Callable[[str], bool],
        *,
        concurrency: int = 1,
        poll_interval_s: float = 2.0,
        clock: Callable[[], datetime] = utcnow,
        fire_triggers: Callable[[], object] | None = None,
    ) -> None:
        self._sessions = sessions
        self._run = run
        self._fire_triggers = fire_triggers
        self._concurrency = concurrency
        self._poll_interval_s = poll_interval_s
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="draft-worker")

    def drain(self, stop: threading.Event | None = None) -> int:
        """Run drafts until none is left to claim (or `stop` is set); return how many this worker settled."""
        tried: set[str] = set()
        settled = 0
        if self._fire_triggers is not None:
            self._fire_triggers()  # evidence whose quiet period is over becomes drafts to claim
        while stop is None or not stop.is_set():
            with self._sessions() as session:
                claimable = claimable_draft_ids(session, self._clock())
            # A draft tried once in this pass was run, lost to another process, or crashed under
            # our lease; trying it again now would only spin.
            batch = [draft_id for draft_id in claimable if draft_id not in tried][: self._concurrency]
            if not batch:
                break
            tried.update(batch)
            settled += sum(self._pool.map(self._run_logged, batch))
        return settled

    def run(self, stop: threading.Event) -> None:
        """Drain, wait `poll_interval_s`, repeat until `stop` is set; the drafts in hand finish first."""
        while not stop.is_set():
            try:
                self.drain(stop)
            except Exception:  # e.g. the database is briefly unreachable: keep polling
                log.exception("the draft worker could not look for drafts")
            stop.wait(self._poll_interval_s)

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    def _run_logged(self, draft_id: str) -> bool:
        try:
            return self._run(draft_id)
        except Exception:  # the draft stays leased to us and is retried once the lease runs out
            log.exception("draft %s could not be run", draft_id)
            return False


def worker_for(state: AppState) -> DraftWorker:
    """A worker with the service's wiring: its sessions, store, chat model, LLM config and lease."""
    return DraftWorker(
        state.sessions,
        state.runner.run,
        concurrency=state.settings.draft_workers,
        poll_interval_s=state.settings.worker_poll_interval_s,
        fire_triggers=lambda: state.scheduler.fire_due(submit=False),
    )


def run_until_signalled(worker: DraftWorker) -> None:
    """Run until SIGINT or SIGTERM, then finish the drafts in hand and return. Call from the main thread."""
    stop = threading.Event()

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: the draft worker stops after the drafts in hand", signum)
        # Event.set takes a lock the interrupted main thread may hold; set it from another thread.
        threading.Thread(target=stop.set, daemon=True).start()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker.run(stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
