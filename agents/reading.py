"""How agents read evidence text.

Sentences with their offsets, what a reader of the source never sees, text planted to instruct
the drafting system, hedged wording, and the verbatim quote a citation carries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from retrieval.evidence import Hit, Source, SourceType
from retrieval.notes import hidden_spans

# ---------------------------------------------------------------------------
# Sentences
# ---------------------------------------------------------------------------

_TURN = re.compile(r"^(?:\[(?P<stamp>\d{1,}:\d{2}:\d{2})\]\s*)?(?P<speaker>[^:\n\[\]]{1,80}?):\s+")
_ABBREVIATIONS = frozenset(
    {
        "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "inc", "co", "corp", "ltd",
        "e.g", "i.e", "etc", "approx", "no", "vp", "svp", "evp",
    }
)
_LEADING_MARKUP = re.compile(r"^(?:[#>*\-+•\s]+|\d+[.)]\s+|\*\*|__)+")


@dataclass(frozen=True)
class Sentence:
    """One sentence of a chunk: `start`/`end` are offsets in the chunk's text."""

    text: str
    start: int
    end: int
    speaker: str | None = None
    stamp: str | None = None


def split_sentences(text: str, *, transcript: bool = False) -> list[Sentence]:
    """Sentences of `text` with their offsets; in a transcript each line's speaker and timestamp come along."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        speaker = stamp = None
        body_start = 0
        if transcript and (turn := _TURN.match(line)):
            speaker, stamp, body_start = turn.group("speaker").strip(), turn.group("stamp"), turn.end()
        for start, end in _sentence_spans(line, body_start):
            sentences.append(
                Sentence(
                    text=line[start:end],
                    start=line_start + start,
                    end=line_start + end,
                    speaker=speaker,
                    stamp=stamp,
                )
            )
    return sentences


def _sentence_spans(line: str, begin: int) -> Iterable[tuple[int, int]]:
    start = begin
    for match in re.finditer(r"[.!?]+[\"'”’)*_]*(?=\s+|$)", line[begin:]):
        end = begin + match.end()
        word = re.search(r"([A-Za-z.]+)[.!?]+[\"'”’)*_]*$", line[start:end])
        token = word.group(1).lower().rstrip(".") if word else ""
        if match.group().startswith(".") and (len(token) == 1 or token in _ABBREVIATIONS):
            continue  # "J. Wu", "Dr. Diaz": not the end of a sentence
        yield from _trimmed(line, start, end)
        start = end
    yield from _trimmed(line, start, len(line))


def _trimmed(line: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    piece = line[start:end]
    lead = _LEADING_MARKUP.match(piece)
    skip = lead.end() if lead else len(piece) - len(piece.lstrip())
    piece = piece[skip:].rstrip()
    piece = piece.rstrip("*_ ")
    if len(piece) >= 3:
        yield start + skip, start + skip + len(piece)


# ---------------------------------------------------------------------------
# What a reader of the source sees
# ---------------------------------------------------------------------------


def visible_text(hit: Hit, source: Source) -> str:
    """The hit's text as a reader of its source sees it, at the same offsets.

    What the rendered source never shows (HTML comments in a note, see retrieval.notes)
    becomes line breaks: it is never read as evidence, no sentence runs across it, and
    every sentence left is still verbatim source text.
    """
    if source.type is not SourceType.note:
        return hit.text
    at = source.text.find(hit.text)
    if at < 0:
        spans = hidden_spans(hit.text)  # text not cut verbatim from this note: judge it on its own
    else:
        recorded = source.metadata.get("hidden_spans")
        in_source = hidden_spans(source.text) if recorded is None else recorded  # stored before spans were recorded
        end_at = at + len(hit.text)
        spans = [(max(a, at) - at, min(b, end_at) - at) for a, b in in_source if a < end_at and b > at]
    text = hit.text
    for start, end in spans:
        text = text[:start] + "\n" * (end - start) + text[end:]
    return text


# ---------------------------------------------------------------------------
# Planted instructions
# ---------------------------------------------------------------------------

# Words that name a machine reader. "agent", "assistant", "model" and "bot" alone are ordinary
# business words too, so they count only where the sentence speaks *to* them.
_AI = (
    r"(?:ai|a\.i\.|llms?|gpt|chatgpt|copilot|chat\s?bots?|(?:large\s+)?language\s+models?)"
    r"(?:\s+(?:agents?|assistants?|models?|systems?|bots?|tools?))?"
)
_READER = rf"(?:{_AI}|agents?|assistants?|models?|bots?)"
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.]{0,60}\b(?:instructions?|prompts?|rules|guidelines|everything)\b"
    r"|\bsystem prompt\b|\byou are (?:now )?(?:an? )?(?:ai|assistant|language model|llm|agent)\b"
    r"|^\s*(?:please\s+)?(?:mark|set|label|classify|treat|tag|flag|record|list|make)\s+[^.]{0,60}\bas\b"
    # "AI agent instructions", "LLM directive"
    rf"|\b{_AI}\s+(?:instructions?|directives?|prompts?|commands?|overrides?)\b"
    # "Note to the AI", "instructions for the assistant: ..."
    r"|\b(?:notes?|messages?|instructions?|directions?|directives?|reminders?|memo)\s+(?:to|for)\s+"
    rf"(?:(?:the|any|all|an?)\s+)?(?:{_AI}\b|{_READER}\s*[:,])"
    # "Dear assistant,", "Attention AI agents:"
    rf"|^\W*(?:dear|hey|hi|hello|attention|attn)\b\W*(?:(?:the|any|all)\s+)?{_READER}\b(?!['’])"
    # "If you are an AI ...", "any language model reading this"
    rf"|\bif\s+you(?:\s+are|['’]re)\s+(?:an?\s+)?{_READER}\b"
    rf"|\b{_READER}\s+(?:reading|processing|parsing|summari[sz]ing|drafting|ingesting)\s+(?:this|these)\b"
    # Prompt headers and chat-template tokens: "SYSTEM:", "Instructions:", "[INST]", "<|system|>"
    r"|^\W*(?:(?-i:SYSTEM)|system\s+(?:prompt|message|override|instructions?)"
    r"|(?:new\s+|updated\s+|hidden\s+)?instructions?|developer\s+message)\s*:"
    r"|\[/?inst\]|<<\s*/?sys\s*>>|<\|\s*(?:im_start|im_end|system|assistant|user)\s*\|>",
    re.IGNORECASE,
)


def looks_like_instruction(sentence: str) -> bool:
    """Whether a sentence addresses the drafting system rather than telling a fact about the account.

    "ignore previous instructions", "mark X as ...", "AI agent instructions: ...", "Note to the
    assistant", "If you are an AI", "SYSTEM: ...". Evidence is untrusted: such a sentence is
    read as an attack on the draft, not as a fact.
    """
    return bool(_INSTRUCTION.search(sentence))


# ---------------------------------------------------------------------------
# Hedges
# ---------------------------------------------------------------------------

_HEDGE = re.compile(
    r"(?:\bnot\b|n['’]t\b|\bnever\b|\bno longer\b|\bhardly\b|\brumou?r\w*|\bmight\b|(?-i:\bmay\b)|\bcould\b|\bwould\b"
    r"|\bconsider\w*|\bthinking\b|\bif\b|\bwhether\b|\bunless\b|\bworr\w*|\bafraid\b|\brisk\b|\bhop\w*"
    r"|\bexpect\w*|\bplan(?:s|ning|ned)?\b|\bpossibl\w*|\bpotential\w*|\bused to\b|\binitially\b"
    r"|\bat first\b|\bpreviously\b|\bformerly\b|\bwas once\b|\binterview\w*|\bwants? to\b)",
    re.IGNORECASE,
)


def is_hedged(sentence: str, cue_start: int, words: int = 5) -> bool:
    """Whether the words just before a cue negate it, hedge it or put it in the past ("might leave", "used to")."""
    before = sentence[:cue_start]
    window = " ".join(re.findall(r"\S+", before)[-words:])
    return bool(_HEDGE.search(window))


# ---------------------------------------------------------------------------
# Quotes
# ---------------------------------------------------------------------------


def quote(chunk_text: str, sentence: Sentence, spans: Sequence[tuple[int, int]], limit: int = 240) -> str:
    """The sentence, or for a long one a word-aligned window around the spans that matter."""
    if len(sentence.text) <= limit:
        return sentence.text
    lo = max(0, min(s for s, _ in spans) - 40)
    hi = min(len(sentence.text), max(e for _, e in spans) + 40)
    while lo > 0 and not sentence.text[lo - 1].isspace():
        lo -= 1
    while hi < len(sentence.text) and not sentence.text[hi].isspace():
        hi += 1
    return sentence.text[lo:hi].strip()
