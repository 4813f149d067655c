"""The in-process drafting worker: runs agents off the request path on a small thread pool."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from langchain_core.language_models import BaseChatModel
from sqlalchemy.orm import Session, sessionmaker

from agents.field_map import CrmFieldMap
from agents.llm import LlmConfig
from app.db import utcnow
from app.drafts.service import DEFAULT_LEASE_S, claimable_draft_ids, execute_draft
from retrieval.store import ChunkStore

log = logging.getLogger(__name__)


class DraftRunner:
    """Runs drafts in this process. With `in_process=False` (PLANWRIGHT_DRAFT_EXECUTION=worker) it
    runs nothing: drafts stay recorded as `running` for a `planwright worker` to claim."""

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
        lease_s: float = DEFAULT_LEASE_S,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._chat_model = chat_model
        self._llm = llm
        self._field_map = field_map
        self._in_process = in_process
        self._lease_s = lease_s
        self._clock = clock
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft")
        self._futures: set[Future[bool]] = set()

    @property
    def in_process(self) -> bool:
        return self._in_process

    def submit(self, draft_id: str) -> Future[bool]:
        """Run a draft in the background; the future says whether this process settled it."""
        if not self._in_process:
            left: Future[bool] = Future()
            left.set_result(False)
            return left
        future = self._pool.submit(self.run, draft_id)
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return future

    def run(self, draft_id: str) -> bool:
        """Claim and run one draft now, in the calling thread."""
        return execute_draft(
            self._sessions,
            self._store,
            draft_id,
            chat_model=self._chat_model,
            llm=self._llm,
            field_map=self._field_map,
            lease_s=self._lease_s,
            clock=self._clock,
        )

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
        for future in list(self._futures):
            future.result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
