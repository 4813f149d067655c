"""A pasted email saved as a note (`notes/*.eml`, RFC 822): the commonest note there is.

The Source reads like the email a person sees: its From, To, Date and Subject lines, a blank
line, then the plain-text body (or the HTML body's text when there is no plain part), quoted
replies included (they are what the thread said, older). Its id is the Message-ID, its date the
Date header, its author the sender.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date
from email import policy
from email.message import EmailMessage
from email.parser import Parser
from email.utils import parseaddr, parsedate_to_datetime
from typing import Any

from retrieval.evidence import Source, SourceType
from retrieval.sources.text import html_text


class EmailError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_email(text: str, stem: str, origin: str = "") -> Source:
    message = Parser(policy=policy.default).parsestr(text)
    assert isinstance(message, EmailMessage)
    if not message.keys():
        raise EmailError("not an email: no headers (From, Date, Subject) before the body", 1)
    body = _body(message)
    if not body:
        raise EmailError("the email has no text body")
    headers = {name: _header(message, name) for name in ("From", "To", "Cc", "Date", "Subject") if message[name]}
    when = None
    if message["Date"]:
        try:
            when = parsedate_to_datetime(str(message["Date"])).date()
        except (TypeError, ValueError):
            when = None
    sender_name, sender_address = parseaddr(str(message["From"] or ""))
    return email_source(
        headers=headers,
        body=body,
        when=when,
        author=sender_name or sender_address or None,
        message_id=str(message["Message-ID"] or ""),
        stem=stem,
        origin=origin,
    )


def email_source(
    *,
    headers: dict[str, str],
    body: str,
    when: date | None,
    author: str | None,
    message_id: str,
    stem: str,
    origin: str,
    format: str = "email",
) -> Source:
    """The note a person sees: its header lines (From, To, Cc, Date, Subject), a blank line, the body."""
    full = "\n".join(f"{name}: {value}" for name, value in headers.items()) + "\n\n" + tidy_body(body)
    message_id = message_id.strip().strip("<>")
    return Source(
        id="email-" + (_slug(message_id) if message_id else hashlib.sha256(full.encode()).hexdigest()[:16]),
        type=SourceType.note,
        title=headers.get("Subject") or stem,
        date=when,
        text=full,
        metadata={"author": author, "format": format},
        origin=origin,
    )


def _header(message: EmailMessage, name: str) -> str:
    return " ".join(str(message[name]).split())


def _body(message: EmailMessage) -> str:
    part: Any = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = part.get_content()
    if part.get_content_subtype() == "html":
        content = html_text(content)
    return tidy_body(str(content))


def tidy_body(text: str) -> str:
    """Line ends unified, trailing spaces and runs of blank lines dropped."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _slug(message_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._@-]+", "-", message_id)[:80]
