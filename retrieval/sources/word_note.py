"""A Word document saved as a note (`notes/*.docx`): its paragraphs as text, headings as Markdown.

Headings ("Heading 1".."Heading 6" styles, and "Title") become `#` lines, so a note's sections
read the same as a Markdown note's; list paragraphs become "- " lines; tables become one line per
row, cells joined by " | ". The title is the core properties' title, else the first heading; the
date the first date in the file name or the first heading, else the document's creation date.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from typing import Any

from retrieval.evidence import Source, SourceType
from retrieval.notes import first_heading
from retrieval.sources.dates import date_in_text

_HEADING_STYLE = re.compile(r"^Heading (\d)$")


class WordError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def parse_docx(data: bytes, stem: str, origin: str = "") -> Source:
    import docx  # python-docx: only notes in Word need it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document: Any = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise WordError(f"not a Word document (.docx): {exc}") from exc
    lines: list[str] = []
    for block in _blocks(document):
        if block.strip():
            lines.append(block)
    text = "\n".join(lines).strip()
    if not text:
        raise WordError("the document has no text")
    properties = document.core_properties
    title = (properties.title or "").strip() or first_heading(text) or stem
    created = properties.created.date() if properties.created else None
    when = date_in_text(stem) or date_in_text(first_heading(text) or "") or created
    return Source(
        id="note-" + hashlib.sha256(text.encode()).hexdigest()[:16],
        type=SourceType.note,
        title=title,
        date=when,
        text=text,
        metadata={"author": (properties.author or "").strip() or None, "format": "docx"},
        origin=origin,
    )


def _blocks(document: Any) -> list[str]:
    """The body's paragraphs and tables, in document order."""
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    out: list[str] = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(_paragraph(Paragraph(child, document)))
        elif tag == "tbl":
            table = Table(child, document)
            out += [" | ".join(" ".join(cell.text.split()) for cell in row.cells) for row in table.rows]
    return out


def _paragraph(paragraph: Any) -> str:
    text = " ".join(paragraph.text.split())
    style = paragraph.style.name if paragraph.style is not None else ""
    if style == "Title":
        return f"# {text}"
    if (heading := _HEADING_STYLE.match(style)) is not None:
        return f"{'#' * int(heading.group(1))} {text}"
    if "List" in style:
        return f"- {text}"
    return text
