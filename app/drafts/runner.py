"""The in-process drafting worker: runs agents off the request path on a small thread pool."""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from langchain_core.language_models import BaseChatModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agents.field_map import CrmFieldMap
from agents.llm import LlmConfig
from app.db import utcnow
from app.drafts.models import DraftRow
from app.drafts.service import DraftLimits, claimable_draft_ids, execute_draft, is_claimable
from app.logs import draft_context
from retrieval.store import ChunkStore

log = logging.getLogger(__name__)


class DraftRunner:
    """Runs drafts in this process. With `in_process=False` (PLANWRIGHT_DRAFT_EXECUTION=worker) it
    runs nothing: drafts stay recorded as `running` for a `planwright worker` to claim.

    A draft it could not claim although nobody holds it (its tenant is at its concurrency limit)
    waits here and is tried again when one of this process's drafts finishes, or by the sweeper.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: ChunkStore,
        workers: int,
        *,
        chat_model: BaseChatModel | None = None,
        llm: LlmConfig | None = None,
        field_map: CrmFieldMap | None = None,
        in_process: bool = True,
        limits: DraftLimits | None = None,
        clock: Callable[[], datetime] = utcnow,
        observe: Callable[[str, str, str, float], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._observe = observe
        self._store = store
        self._chat_model = chat_model
        self._llm = llm
        self._field_map = field_map
        self._in_process = in_process
        self._limits = limits or DraftLimits()
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft")
        self._lock = threading.Lock()
        self._futures: dict[str, Future[bool]] = {}
        self._waiting: set[str] = set()

    @property
    def in_process(self) -> bool:
        return self._in_process

    def submit(self, draft_id: str) -> Future[bool]:
        """Run a draft in the background; the future says whether this process settled it."""
        if not self._in_process:
            left: Future[bool] = Future()
            left.set_result(False)
            return left
        with self._lock:
            if (running := self._futures.get(draft_id)) is not None:
                return running  # already queued here: once is enough
            self._waiting.discard(draft_id)
            # The draft's log lines keep the id of the request that started it.
            future = self._pool.submit(contextvars.copy_context().run, self._run_or_wait, draft_id)
            self._futures[draft_id] = future
        future.add_done_callback(lambda _f: self._finished(draft_id))
        return future

    def run(self, draft_id: str) -> bool:
        """Claim and run one draft now, in the calling thread; a draft it settles is timed and logged."""
        with draft_context(draft_id):
            started = time.perf_counter()
            settled = execute_draft(
                self._sessions,
                self._store,
                draft_id,
                chat_model=self._chat_model,
                llm=self._llm,
                field_map=self._field_map,
                limits=self._limits,
                clock=self._clock,
            )
            if settled:
                self._settled(draft_id, time.perf_counter() - started)
            return settled

    def _settled(self, draft_id: str, seconds: float) -> None:
        with self._sessions() as session:
            row = session.execute(
                select(DraftRow.kind, DraftRow.engine, DraftRow.status).where(DraftRow.id == draft_id)
            ).one_or_none()
        if row is None:
            return
        kind, engine, status = row
        log.info("draft %s settled as %s in %.2f s", kind, status, seconds, extra={"engine": engine})
        if self._observe is not None:
            self._observe(kind, engine, status, seconds)

    def resume_interrupted(self) -> int:
        """Drafts left `running` by a stopped process — never claimed, or whose claimer's lease ran
        out — are run again; a draft another live process holds is left to it."""
        if not self._in_process:
            return 0
        with self._sessions() as session:
            ids = claimable_draft_ids(session, self._clock())
        for draft_id in ids:
            self.submit(draft_id)
        return len(ids)

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until this process runs no draft and none waits for its tenant's turn."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                futures, waiting = list(self._futures.values()), set(self._waiting)
            if not futures and not waiting:
                return
            for future in futures:
                future.result(timeout=max(deadline - time.monotonic(), 0.0))
            if waiting and not futures:
                self._retry_waiting()
                if time.monotonic() > deadline:
                    raise TimeoutError(f"drafts still waiting for their tenant's turn: {sorted(waiting)}")
                time.sleep(0.05)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)

    def _run_or_wait(self, draft_id: str) -> bool:
        settled = self.run(draft_id)
        if not settled:
            with self._sessions() as session:
                if is_claimable(session, draft_id, self._clock()):
                    with self._lock:
                        self._waiting.add(draft_id)
        return settled

    def _finished(self, draft_id: str) -> None:
        with self._lock:
            self._futures.pop(draft_id, None)
        self._retry_waiting(besides=draft_id)

    def _retry_waiting(self, besides: str | None = None) -> None:
        """Give drafts waiting for their tenant's turn another try (not the one that just failed to claim)."""
        with self._lock:
            waiting = sorted(self._waiting - set(self._futures) - {besides})
        for draft_id in waiting:
            self.submit(draft_id)
