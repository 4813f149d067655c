"""The sweeper: what no request and no timer is waiting for still gets done.

Every `interval_s` it queues the drafts whose evidence triggers are due (their timer died with a
process) and runs drafts nobody holds (never claimed, or their claimer's lease ran out), so a
crash delays a draft by at most a lease, never strands it until a restart.
"""

from __future__ import annotations

import logging
import threading

from app.drafts.runner import DraftRunner
from app.drafts.triggers import DraftScheduler

log = logging.getLogger(__name__)


class DraftSweeper:
    def __init__(self, scheduler: DraftScheduler, runner: DraftRunner, interval_s: float) -> None:
        self._scheduler = scheduler
        self._runner = runner
        self._interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def sweep(self) -> None:
        self._scheduler.fire_due()
        self._runner.resume_interrupted()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="draft-sweeper", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while True:
            try:
                self.sweep()
            except Exception:  # e.g. the database is briefly unreachable: try again next round
                log.exception("the draft sweeper could not look for due work")
            if self._stop.wait(self._interval_s):
                return
