"""Bytes to text: the encodings people's exports really come in, newlines normalised to \\n."""

from __future__ import annotations

import codecs
import html
import re
from dataclasses import dataclass

# Longest first: a UTF-32 LE BOM starts with the UTF-16 LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WINDOWS_1252 = "cp1252"


class Undecodable(ValueError):
    """Bytes that are no text in any encoding we read; `line` is where decoding failed."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str

    @property
    def guessed(self) -> bool:
        """True when the encoding was a fallback guess the user should know about."""
        return self.encoding == WINDOWS_1252


def decode(data: bytes) -> Decoded:
    """The text of `data`: by its BOM, else UTF-8, else UTF-16 without a BOM, else Windows-1252."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return Decoded(_normalised(_strict(data, encoding)), encoding)
    wide = _utf16_without_bom(data)  # NUL is valid UTF-8, so this comes first
    if wide:
        return Decoded(_normalised(_strict(data, wide)), wide)
    try:
        return Decoded(_normalised(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError as utf8_error:
        first_failure = utf8_error.start
    if b"\x00" in data:
        line = data.count(b"\n", 0, first_failure) + 1
        raise Undecodable(f"not text: binary data (byte {first_failure})", line)
    try:
        return Decoded(_normalised(data.decode(WINDOWS_1252)), WINDOWS_1252)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise Undecodable(f"not UTF-8 or Windows-1252 text (byte {exc.start})", line) from exc


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Undecodable(f"not valid {encoding} text (byte {exc.start})") from exc


def _utf16_without_bom(data: bytes) -> str | None:
    """utf-16-le/-be when every other byte of the start is NUL (ASCII text written as UTF-16)."""
    head = data[:200]
    if len(head) < 4 or len(head) % 2:
        head = head[: len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    if all(b == 0 for b in head[1::2]) and any(head[0::2]):
        return "utf-16-le"
    if all(b == 0 for b in head[0::2]) and any(head[1::2]):
        return "utf-16-be"
    return None


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.IGNORECASE | re.DOTALL)
_BLOCK_END = re.compile(r"</(p|div|li|tr|h\d)>|<br\s*/?>", re.IGNORECASE)


def html_text(markup: str) -> str:
    """The text a reader sees in an HTML fragment: block ends as line breaks, tags gone, entities read."""
    text = html.unescape(_TAGS.sub("", _BLOCK_END.sub("\n", markup)))
    lines = [" ".join(line.split()) for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
