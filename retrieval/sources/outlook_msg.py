"""An email saved from Outlook as a note (`notes/*.msg`): the same note an `.eml` of it would make.

A `.msg` is an OLE compound file of MAPI properties (MS-OXMSG): each string property is a
stream `__substg1.0_<id><type>` (type 001F UTF-16LE, 001E 8-bit in the message's code page),
and fixed-size ones such as the send time sit in `__properties_version1.0`. We read the
subject, sender, To/Cc display lines, the plain body (else the HTML body's text), the
Message-ID, and the date: the transport headers' Date line when the message travelled, else the
send time, else the delivery time, else (an unsent draft) the time it was written. An RTF-only
body is refused with a clear reason rather than guessed at.
"""

from __future__ import annotations

import io
import struct
from datetime import UTC, date, datetime, timedelta
from email.parser import HeaderParser
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

from retrieval.evidence import Source
from retrieval.sources.email_note import EmailError, email_source
from retrieval.sources.text import html_text

PT_LONG, PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_BINARY = 0x0003, 0x001E, 0x001F, 0x0040, 0x0102
SUBJECT, TRANSPORT_HEADERS, CLIENT_SUBMIT_TIME = 0x0037, 0x007D, 0x0039
SENDER_NAME, SENDER_EMAIL, SENDER_SMTP = 0x0C1A, 0x0C1F, 0x5D01
DISPLAY_CC, DISPLAY_TO, DELIVERY_TIME = 0x0E03, 0x0E04, 0x0E06
BODY, RTF_COMPRESSED, HTML, MESSAGE_ID = 0x1000, 0x1009, 0x1013, 0x1035
CREATION_TIME, INTERNET_CPID, MESSAGE_CODEPAGE = 0x3007, 0x3FDE, 0x3FFD
TOP_LEVEL_HEADER = 32  # bytes before the property entries in a message's own __properties_version1.0


class OutlookMessage:
    """The properties of one `.msg`, read on demand."""

    def __init__(self, data: bytes) -> None:
        import olefile  # only Outlook notes need it

        if not olefile.isOleFile(io.BytesIO(data)):
            raise EmailError("not an Outlook message (.msg): the file is not an OLE compound file")
        try:
            self._ole: Any = olefile.OleFileIO(io.BytesIO(data))
        except OSError as exc:
            raise EmailError(f"not an Outlook message (.msg): {exc}") from exc
        if not self._ole.exists("__properties_version1.0"):
            raise EmailError("not an Outlook message (.msg): it has no MAPI property stream")
        self._fixed = self._fixed_properties()
        self._codepage = self._long(INTERNET_CPID) or self._long(MESSAGE_CODEPAGE) or 1252

    def string(self, property_id: int) -> str | None:
        unicode = self._stream(property_id, PT_UNICODE)
        if unicode is not None:
            return unicode.decode("utf-16-le", errors="replace").rstrip("\0")
        eight_bit = self._stream(property_id, PT_STRING8)
        if eight_bit is not None:
            return _decode(eight_bit, self._codepage).rstrip("\0")
        return None

    def binary(self, property_id: int) -> bytes | None:
        return self._stream(property_id, PT_BINARY)

    def time(self, property_id: int) -> datetime | None:
        raw = self._fixed.get((property_id << 16) | PT_SYSTIME)
        if raw is None:
            return None
        ticks = struct.unpack("<Q", raw)[0]
        if not ticks:
            return None
        return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10)

    @property
    def codepage(self) -> int:
        return self._codepage

    def _long(self, property_id: int) -> int | None:
        raw = self._fixed.get((property_id << 16) | PT_LONG)
        return struct.unpack("<I", raw[:4])[0] if raw is not None else None

    def _stream(self, property_id: int, kind: int) -> bytes | None:
        name = f"__substg1.0_{property_id:04X}{kind:04X}"
        if not self._ole.exists(name):
            return None
        data: bytes = self._ole.openstream(name).read()
        return data

    def _fixed_properties(self) -> dict[int, bytes]:
        raw: bytes = self._ole.openstream("__properties_version1.0").read()
        entries = raw[TOP_LEVEL_HEADER:]
        return {
            struct.unpack("<I", entries[i : i + 4])[0]: entries[i + 8 : i + 16]
            for i in range(0, len(entries) - len(entries) % 16, 16)
        }


def parse_msg(data: bytes, stem: str, origin: str = "") -> Source:
    try:
        return _parse(OutlookMessage(data), stem, origin)
    except (OSError, struct.error, IndexError) as exc:  # olefile's reports of a damaged container
        raise EmailError(f"damaged Outlook message (.msg): {exc}") from exc


def _parse(message: OutlookMessage, stem: str, origin: str) -> Source:
    body = message.string(BODY)
    if not (body or "").strip():
        html = message.binary(HTML)
        body = html_text(_decode(html, message.codepage)) if html else None
    if not (body or "").strip():
        if message.binary(RTF_COMPRESSED):
            raise EmailError("the Outlook message has only an RTF body; save it as .eml or plain text")
        raise EmailError("the Outlook message has no text body")
    assert body is not None
    transport = HeaderParser().parsestr(message.string(TRANSPORT_HEADERS) or "")
    sent = _header_date(transport["Date"]) or message.time(CLIENT_SUBMIT_TIME) or message.time(DELIVERY_TIME)
    written = sent or message.time(CREATION_TIME)  # an unsent draft has only the time it was written
    sender_name = (message.string(SENDER_NAME) or "").strip()
    sender_address = _smtp_address(message)
    sender = f"{sender_name} <{sender_address}>" if sender_name and sender_address else sender_name or sender_address
    subject = " ".join((message.string(SUBJECT) or "").split())
    fields = {
        "From": sender,
        "To": " ".join((message.string(DISPLAY_TO) or "").split()),
        "Cc": " ".join((message.string(DISPLAY_CC) or "").split()),
        "Date": " ".join(str(transport["Date"] or "").split()) or (format_datetime(sent) if sent else ""),
        "Subject": subject,
    }
    return email_source(
        headers={name: value for name, value in fields.items() if value},
        body=body,
        when=_day(written),
        author=sender_name or sender_address or None,
        message_id=message.string(MESSAGE_ID) or str(transport["Message-ID"] or ""),
        stem=stem,
        origin=origin,
        format="outlook-msg",
    )


def _smtp_address(message: OutlookMessage) -> str:
    """The sender's SMTP address; an Exchange-internal one ("/O=EXCHANGELABS/...") means nothing to a reader."""
    for property_id in (SENDER_SMTP, SENDER_EMAIL):
        address = (message.string(property_id) or "").strip()
        if address and not address.startswith("/"):
            return address
    return ""


def _header_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _day(when: datetime | None) -> date | None:
    return when.date() if when else None


def _decode(data: bytes, codepage: int) -> str:
    encoding = "utf-8" if codepage == 65001 else f"cp{codepage}"
    try:
        return data.decode(encoding, errors="replace")
    except LookupError:
        return data.decode("cp1252", errors="replace")
