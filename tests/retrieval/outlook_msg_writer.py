"""Writes Outlook `.msg` files for tests: a real Compound File (MS-CFB v3) holding MAPI properties (MS-OXMSG).

Outlook saves a message as an OLE compound file: each string property is a stream named
`__substg1.0_<tag>` (UTF-16LE for type 001F, 8-bit for 001E), fixed-size properties such as
the send time sit in `__properties_version1.0`. Streams under 4,096 bytes live in the mini
stream, longer ones in regular sectors, as the format requires; the directory is a red-black
tree. Nothing here is Planwright's own code: it is a fixture writer, checked by reading its
output back with `olefile`.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF

PT_STRING8, PT_UNICODE, PT_SYSTIME, PT_BINARY, PT_LONG = 0x001E, 0x001F, 0x0040, 0x0102, 0x0003
PROPERTY_IDS = {
    "subject": 0x0037,
    "transport_headers": 0x007D,
    "sender_name": 0x0C1A,
    "sender_email": 0x0C1F,
    "display_cc": 0x0E03,
    "display_to": 0x0E04,
    "body": 0x1000,
    "html": 0x1013,
    "message_id": 0x1035,
    "client_submit_time": 0x0039,
    "delivery_time": 0x0E06,
    "creation_time": 0x3007,
    "codepage": 0x3FFD,
}


def outlook_msg(
    *,
    subject: str | None = None,
    body: str | None = None,
    html: str | None = None,
    sender_name: str | None = None,
    sender_email: str | None = None,
    to: str | None = None,
    cc: str | None = None,
    sent: datetime | None = None,
    delivered: datetime | None = None,
    created: datetime | None = None,
    message_id: str | None = None,
    transport_headers: str | None = None,
    ansi_codepage: int | None = None,
) -> bytes:
    """A `.msg` with the given properties; strings are Unicode unless `ansi_codepage` asks for 8-bit ones."""
    streams: dict[str, bytes] = {}
    fixed: list[tuple[int, int, bytes]] = []
    strings = {
        "subject": subject,
        "body": body,
        "sender_name": sender_name,
        "sender_email": sender_email,
        "display_to": to,
        "display_cc": cc,
        "message_id": message_id,
        "transport_headers": transport_headers,
    }
    for name, value in strings.items():
        if value is None:
            continue
        if ansi_codepage is None:
            kind, data = PT_UNICODE, value.encode("utf-16-le")
        else:
            kind, data = PT_STRING8, value.encode(f"cp{ansi_codepage}")
        streams[_stream_name(PROPERTY_IDS[name], kind)] = data
        fixed.append((PROPERTY_IDS[name], kind, struct.pack("<II", len(data) + 2, 0)))
    if html is not None:
        data = html.encode("utf-8")
        streams[_stream_name(PROPERTY_IDS["html"], PT_BINARY)] = data
        fixed.append((PROPERTY_IDS["html"], PT_BINARY, struct.pack("<II", len(data), 0)))
    for name, when in (("client_submit_time", sent), ("delivery_time", delivered), ("creation_time", created)):
        if when is not None:
            fixed.append((PROPERTY_IDS[name], PT_SYSTIME, struct.pack("<Q", _filetime(when))))
    if ansi_codepage is not None:
        fixed.append((PROPERTY_IDS["codepage"], PT_LONG, struct.pack("<II", ansi_codepage, 0)))
    header = struct.pack("<8xIIII8x", 0, 0, 0, 0)  # next recipient/attachment ids, recipient/attachment counts
    entries = b"".join(struct.pack("<II", (pid << 16) | kind, 6) + value for pid, kind, value in fixed)
    streams["__properties_version1.0"] = header + entries
    return compound_file(streams)


def outlook_copy(eml: bytes) -> bytes:
    """The `.msg` Outlook saves for the email `eml` arrived as: display names only in To/Cc, an
    Exchange-internal sender address, CRLF line ends, the Internet headers kept as they came."""
    message = BytesParser(policy=policy.default).parsebytes(eml)
    assert isinstance(message, EmailMessage)
    plain = message.get_body(preferencelist=("plain",))
    assert plain is not None

    def names(header: str) -> str | None:
        people = getaddresses([str(message[header])]) if message[header] else []
        return "; ".join(name or address for name, address in people) or None

    (sender_name, _), *_ = getaddresses([str(message["From"])])
    headers = eml.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].decode("ascii")
    return outlook_msg(
        subject=str(message["Subject"]),
        body=plain.get_content().replace("\r\n", "\n").replace("\n", "\r\n"),
        sender_name=sender_name,
        sender_email="/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=SENDER",
        to=names("To"),
        cc=names("Cc"),
        sent=parsedate_to_datetime(str(message["Date"])),
        message_id=str(message["Message-ID"]),
        transport_headers=headers.replace("\n", "\r\n"),
    )


def compound_file(streams: dict[str, bytes]) -> bytes:
    """An MS-CFB v3 file whose root storage holds `streams` (name → bytes)."""
    names = sorted(streams, key=lambda n: (len(n), n.upper()))
    small = [n for n in names if len(streams[n]) < MINI_CUTOFF]
    large = [n for n in names if len(streams[n]) >= MINI_CUTOFF]

    mini_start: dict[str, int] = {}
    mini_fat: list[int] = []
    mini_data = b""
    for name in small:
        count = max(1, -(-len(streams[name]) // MINI_SECTOR))
        mini_start[name] = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [END]
        mini_data += streams[name].ljust(count * MINI_SECTOR, b"\0")

    entry_count = 1 + len(names)
    dir_sectors = -(-entry_count * 128 // SECTOR)
    minifat_sectors = -(-len(mini_fat) * 4 // SECTOR)
    ministream_sectors = -(-len(mini_data) // SECTOR)
    large_sectors = [-(-len(streams[n]) // SECTOR) for n in large]
    payload = dir_sectors + minifat_sectors + ministream_sectors + sum(large_sectors)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < fat_sectors + payload:
        fat_sectors += 1
    assert fat_sectors <= 109, "fixture too large for a header-only DIFAT"

    fat: list[int] = [FAT_SECTOR] * fat_sectors

    def chain(length: int) -> int:
        if length == 0:
            return END
        start = len(fat)
        fat.extend([start + i + 1 for i in range(length - 1)] + [END])
        return start

    dir_start = chain(dir_sectors)
    minifat_start = chain(minifat_sectors)
    ministream_start = chain(ministream_sectors)
    large_start = {name: chain(count) for name, count in zip(large, large_sectors, strict=True)}
    fat += [FREE] * (fat_sectors * (SECTOR // 4) - len(fat))

    left, right, color, root_child = _red_black_tree(names)
    directory = _entry("Root Entry", 5, 1, NO_STREAM, NO_STREAM, root_child, ministream_start, len(mini_data))
    for name in names:
        start = mini_start[name] if name in mini_start else large_start[name]
        directory += _entry(name, 2, color[name], left[name], right[name], NO_STREAM, start, len(streams[name]))
    directory = directory.ljust(dir_sectors * SECTOR, b"\0")
    # Unused directory slots must read as empty entries with no siblings.
    empty = _entry("", 0, 0, NO_STREAM, NO_STREAM, NO_STREAM, 0, 0)
    used = entry_count * 128
    directory = directory[:used] + empty * ((len(directory) - used) // 128)

    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        bytes.fromhex("D0CF11E0A1B11AE1"),
        b"\0" * 16,
        0x003E,
        0x0003,
        0xFFFE,
        9,
        6,
        b"\0" * 6,
        0,
        fat_sectors,
        dir_start,
        0,
        MINI_CUTOFF,
        minifat_start if minifat_sectors else END,
        minifat_sectors,
        END,
        0,
    )
    header += b"".join(struct.pack("<I", i) for i in range(fat_sectors))
    header += struct.pack("<I", FREE) * (109 - fat_sectors)
    body = b"".join(struct.pack("<I", entry) for entry in fat)
    body += directory
    body += b"".join(struct.pack("<I", e) for e in mini_fat).ljust(minifat_sectors * SECTOR, b"\xff")
    body += mini_data.ljust(ministream_sectors * SECTOR, b"\0")
    for name, count in zip(large, large_sectors, strict=True):
        body += streams[name].ljust(count * SECTOR, b"\0")
    return header + body


def _entry(name: str, kind: int, color: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return struct.pack(
        "<64sHBBIII16sIQQIQ",
        encoded,
        len(encoded),
        kind,
        color,
        left,
        right,
        child,
        b"\0" * 16,
        0,
        0,
        0,
        start if kind else 0,
        size,
    )


def _red_black_tree(names: list[str]) -> tuple[dict[str, int], dict[str, int], dict[str, int], int]:
    """A balanced tree over the sorted names: black down to the last full level, red below it."""
    left: dict[str, int] = {}
    right: dict[str, int] = {}
    color: dict[str, int] = {}
    full_depth = (len(names) + 1).bit_length() - 1

    def build(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NO_STREAM
        mid = (lo + hi) // 2
        name = names[mid]
        left[name] = build(lo, mid, depth + 1)
        right[name] = build(mid + 1, hi, depth + 1)
        color[name] = 0 if depth >= full_depth else 1
        return mid + 1  # directory index: the root entry is 0

    return left, right, color, build(0, len(names), 0)


def _stream_name(property_id: int, kind: int) -> str:
    return f"__substg1.0_{property_id:04X}{kind:04X}"


def _filetime(when: datetime) -> int:
    epoch = datetime(1601, 1, 1, tzinfo=UTC)
    return int((when.astimezone(UTC) - epoch).total_seconds() * 10_000_000)
