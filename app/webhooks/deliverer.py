"""The webhook deliverer: sends due deliveries from the outbox, signs them, retries with backoff.

Any number of service processes may run one: a delivery is claimed with a conditional UPDATE
before it is sent, so only one process sends each attempt. No transaction is open while a
request is in flight. Each attempt goes only to a vetted address (`targets.pin`), follows no
redirect, and records the status code or the kind of network error, never the receiver's
answer: the delivery log must not let a caller read or probe what the service can reach.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session, sessionmaker

from app.db import transaction, utcnow
from app.webhooks import repository, service, targets
from app.webhooks.models import WebhookDeliveryRow, WebhookEndpointRow
from app.webhooks.signing import signature_header

log = logging.getLogger(__name__)

USER_AGENT = "Planwright-Webhooks/1"
ERROR_LIMIT = 500


@dataclass(frozen=True)
class Attempt:
    """Everything needed to send one claimed attempt, read before the request goes out."""

    delivery_id: str
    attempt: int
    event_type: str
    url: str
    body: bytes
    secrets: list[str]


class WebhookDeliverer:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        http: httpx.Client,
        *,
        timeout_s: float,
        max_attempts: int,
        poll_interval_s: float = 5.0,
        batch_size: int = 50,
        clock: Callable[[], datetime] = utcnow,
        owns_http: bool = False,
        allow_private: bool = False,
    ) -> None:
        self._sessions = sessions
        self._http = http
        self._timeout_s = timeout_s
        self._max_attempts = max_attempts
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._clock = clock
        self._owns_http = owns_http
        self._allow_private = allow_private
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        sa_event.listen(sessions, "after_commit", self._after_commit)

    def start(self) -> None:
        """Deliver in a background thread until close()."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def close(self) -> None:
        sa_event.remove(self._sessions, "after_commit", self._after_commit)
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._owns_http:
            self._http.close()

    def run_once(self, now: datetime | None = None) -> int:
        """Send every delivery due at `now` (default: the clock) once; return how many were attempted."""
        moment = service.as_utc(now or self._clock())
        with self._sessions() as session:
            due = repository.due_delivery_ids(session, moment, self._batch_size)
        attempted = 0
        for delivery_id in due:
            attempt = self._claim(delivery_id, moment)
            if attempt is not None:
                self._send(attempt, moment)
                attempted += 1
        return attempted

    def _claim(self, delivery_id: str, now: datetime) -> Attempt | None:
        # A claim outlives the longest request it covers, so it never expires while we still wait.
        lease_until = now + timedelta(seconds=self._timeout_s * 2 + 30)
        with transaction(self._sessions) as session:
            if not repository.claim(session, delivery_id, now, lease_until):
                return None
            delivery = session.get(WebhookDeliveryRow, delivery_id)
            assert delivery is not None
            endpoint = session.get(WebhookEndpointRow, delivery.endpoint_id)
            event = repository.event(session, delivery.event_id)
            assert endpoint is not None and event is not None
            return Attempt(
                delivery_id=delivery.id,
                attempt=delivery.attempts,
                event_type=event.type,
                url=endpoint.url,
                body=json.dumps(event.payload, separators=(",", ":"), ensure_ascii=False).encode(),
                secrets=service.signing_secrets(endpoint, now),
            )

    def _send(self, attempt: Attempt, now: datetime) -> None:
        try:
            target = targets.pin(attempt.url, allow_private=self._allow_private)
        except targets.TargetRefused as exc:
            self._settle(attempt, now, None, f"{exc}; not delivered")
            return
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Planwright-Event": attempt.event_type,
            "Planwright-Delivery": attempt.delivery_id,
            "Planwright-Signature": signature_header(attempt.secrets, attempt.body, int(now.timestamp())),
            # The pool keys connections by address, not name: a kept-alive TLS connection to one
            # name must not carry a request for another name served from the same address.
            "Connection": "close",
            **target.headers,
        }
        status_code: int | None = None
        error: str | None = None
        try:
            with self._http.stream(
                "POST",
                target.url,
                content=attempt.body,
                headers=headers,
                timeout=self._timeout_s,
                follow_redirects=False,
                extensions=target.extensions,
            ) as response:
                status_code = response.status_code
                if not response.is_success:
                    error = _status_error(status_code)
        except httpx.HTTPError as exc:
            error = _network_error(exc)
        self._settle(attempt, now, status_code, error)

    def _settle(self, attempt: Attempt, now: datetime, status_code: int | None, error: str | None) -> None:
        delivered = error is None
        if delivered:
            status, next_at = "delivered", None
        elif attempt.attempt >= self._max_attempts:
            status, next_at = "failed", None
            log.warning(
                "webhook delivery %s failed for good after %d attempts: %s", attempt.delivery_id, attempt.attempt, error
            )
        else:
            status, next_at = "pending", now + service.retry_delay(attempt.attempt)
        with transaction(self._sessions) as session:
            settled = repository.settle(
                session,
                attempt.delivery_id,
                attempt.attempt,
                status=status,
                next_attempt_at=next_at,
                status_code=status_code,
                error=error[:ERROR_LIMIT] if error else None,
                delivered_at=now if delivered else None,
            )
        if not settled:
            log.info("webhook delivery %s changed while attempt %d was in flight", attempt.delivery_id, attempt.attempt)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                if self.run_once() >= self._batch_size:
                    continue
            except Exception:  # the loop outlives a database hiccup; the next round tries again
                log.exception("webhook delivery round failed")
            self._wake.wait(self._poll_interval_s)

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(service.EVENTS_RECORDED, False):
            self._wake.set()


def _status_error(status_code: int) -> str:
    """The status and its standard phrase; the receiver's own phrase and body are never kept."""
    phrase = httpx.codes.get_reason_phrase(status_code)
    error = f"HTTP {status_code} {phrase}".rstrip()
    return error + " (redirects are not followed)" if 300 <= status_code < 400 else error


def _network_error(exc: httpx.HTTPError) -> str:
    """What kind of network failure this was, without addresses or the library's wording."""
    if isinstance(exc, httpx.TimeoutException):
        return "timed out"
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "connection refused"
    if any(isinstance(c, ssl.SSLCertVerificationError) for c in causes):
        return "TLS certificate not valid for the host"
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return "TLS handshake failed"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the answer was not valid HTTP"
    if isinstance(exc, httpx.NetworkError):
        return "connection lost"
    return "request failed"
