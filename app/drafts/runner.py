"""The in-process drafting worker: runs agents off the request path on a small thread pool."""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from langchain_core.language_models import BaseChatModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from agents.llm import LlmConfig
from app.drafts.models import DraftRow
from app.drafts.service import execute_draft
from retrieval.store import ChunkStore

log = logging.getLogger(__name__)


class DraftRunner:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: ChunkStore,
        workers: int,
        *,
        chat_model: BaseChatModel | None = None,
        llm: LlmConfig | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._chat_model = chat_model
        self._llm = llm
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="draft")
        self._futures: set[Future[None]] = set()

    def submit(self, draft_id: str) -> Future[None]:
        future = self._pool.submit(
            execute_draft, self._sessions, self._store, draft_id, chat_model=self._chat_model, llm=self._llm
        )
        self._futures.add(future)
        future.add_done_callback(self._futures.discard)
        return future

    def resume_interrupted(self) -> int:
        """Drafts left `running` by a stopped process are run again."""
        with self._sessions() as session:
            ids = list(session.scalars(select(DraftRow.id).where(DraftRow.status == "running")))
        for draft_id in ids:
            self.submit(draft_id)
        return len(ids)

    def wait_idle(self, timeout: float = 60.0) -> None:
        for future in list(self._futures):
            future.result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
