"""The QBR document (plans.qbr_export) written as Markdown, PDF (fpdf2) or PowerPoint (python-pptx)."""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from pathlib import Path

from fpdf import FPDF
from pptx import Presentation
from pptx.enum.text import MSO_AUTO_SIZE
from pptx.util import Inches, Pt

from plans.qbr_export import Item, QbrDocument, document_markdown, item_line

# A Unicode font when the system has one (Debian's fonts-dejavu-core); without it the PDF falls back to
# Helvetica and Latin-1 text, accents folded and dashes and quotes made plain.
UNICODE_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/dejavu/DejaVuSans.ttf"),
)
_PUNCTUATION = str.maketrans({"—": "-", "–": "-", "“": '"', "”": '"', "‘": "'", "’": "'", "…": "...", "→": "->"})


def _latin1(text: str) -> str:
    text = text.translate(_PUNCTUATION)
    folded = unicodedata.normalize("NFKD", text)
    return "".join(c for c in folded if not unicodedata.combining(c)).encode("latin-1", "replace").decode("latin-1")


def markdown_bytes(document: QbrDocument) -> bytes:
    return document_markdown(document).encode()


def pdf_bytes(document: QbrDocument, font: Path | None = None) -> bytes:
    """An A4 PDF: title, subtitle, the six sections as bullets, numbered sources."""
    font = font if font is not None else next((p for p in UNICODE_FONTS if p.exists()), None)
    pdf = FPDF(format="A4")
    pdf.set_title(document.title)
    pdf.set_creator("Planwright")
    pdf.set_auto_page_break(auto=True, margin=15)
    clean: Callable[[str], str]
    if font is not None:
        bold = font.with_name(font.stem + "-Bold.ttf")
        pdf.add_font("body", "", str(font))
        pdf.add_font("body", "B", str(bold if bold.exists() else font))
        family, clean = "body", str
    else:
        family, clean = "helvetica", _latin1
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def write(text: str, size: float, style: str = "", indent: float = 0, gap: float = 1.5) -> None:
        pdf.set_font(family, style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.5, clean(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    write(document.title, 18, "B", gap=1)
    write(document.subtitle, 10, gap=4)
    for section in document.sections:
        write(section.heading, 13, "B", gap=1)
        if not section.items:
            write("Nothing to report.", 10)
        for item in section.items:
            write("• " + item_line(item), 10, indent=3, gap=0.5)
            if item.mitigation is not None:
                write("Mitigation: " + (item.mitigation or "—"), 9, indent=8, gap=0.5)
        pdf.ln(2)
    write("Sources", 13, "B", gap=1)
    for number, label in document.sources:
        write(f"[{number}] {label}", 8, indent=3, gap=0.3)
    if document.left_out:
        pdf.ln(2)
        write(f"{document.left_out} internal-only notes are not in this customer-facing version.", 8, "")
    return bytes(pdf.output())


BULLETS_PER_SLIDE = 6
LINES_PER_SLIDE = 13  # of 18 pt text in the body box; a longer section continues on the next slide
CHARS_PER_LINE = 95
SOURCES_PER_SLIDE = 12


def _slides_of(items: list[Item]) -> list[list[Item]]:
    """Items in slide-sized groups: at most BULLETS_PER_SLIDE, and about LINES_PER_SLIDE lines of text."""
    groups: list[list[Item]] = []
    lines = 0
    for item in items:
        paragraphs = [item_line(item)] + ([f"Mitigation: {item.mitigation}"] if item.mitigation is not None else [])
        need = sum(-(-len(text) // CHARS_PER_LINE) for text in paragraphs)
        if not groups or len(groups[-1]) == BULLETS_PER_SLIDE or lines + need > LINES_PER_SLIDE:
            groups.append([])
            lines = 0
        groups[-1].append(item)
        lines += need
    return groups


def pptx_bytes(document: QbrDocument) -> bytes:
    """A 16:9 deck: a title slide, a slide per section (continued when long), and the sources."""
    deck = Presentation()
    deck.slide_width, deck.slide_height = Inches(13.333), Inches(7.5)
    title_layout, body_layout = deck.slide_layouts[0], deck.slide_layouts[1]

    cover = deck.slides.add_slide(title_layout)
    cover.shapes.title.text = document.title
    cover.placeholders[1].text = document.subtitle

    def slide(heading: str, lines: list[tuple[str, int]], size: int) -> None:
        page = deck.slides.add_slide(body_layout)
        page.shapes.title.text = heading
        body = page.placeholders[1]
        body.left, body.top, body.width, body.height = Inches(0.6), Inches(1.5), Inches(12.1), Inches(5.6)
        frame = body.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.TEXT_TO_FIT_SHAPE  # what still overflows shrinks to fit when opened
        for i, (text, level) in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = text
            paragraph.level = level
            paragraph.font.size = Pt(size - 2 * level)

    for section in document.sections:
        items = list(section.items) or None
        if items is None:
            slide(section.heading, [("Nothing to report.", 0)], 20)
            continue
        chunks = _slides_of(items)
        for n, chunk in enumerate(chunks):
            lines: list[tuple[str, int]] = []
            for item in chunk:
                lines.append((item_line(item), 0))
                if item.mitigation is not None:
                    lines.append(("Mitigation: " + (item.mitigation or "—"), 1))
            slide(section.heading + (f" (continued {n + 1}/{len(chunks)})" if n else ""), lines, 18)
    sources = [f"[{number}] {label}" for number, label in document.sources] or ["No sources cited."]
    if document.left_out:
        sources.append(f"{document.left_out} internal-only notes are not in this customer-facing version.")
    for start in range(0, len(sources), SOURCES_PER_SLIDE):
        slide("Sources", [(line, 0) for line in sources[start : start + SOURCES_PER_SLIDE]], 11)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


FORMATS: dict[str, tuple[str, Callable[[QbrDocument], bytes]]] = {
    "md": ("text/markdown; charset=utf-8", markdown_bytes),
    "pdf": ("application/pdf", pdf_bytes),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", pptx_bytes),
}
