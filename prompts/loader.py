"""Prompt templates as versioned files: `prompts/<name>/v<n>.md`, rendered with Jinja2.

A template defines two blocks, `system` and `user`. Evidence goes into the user message
only through `wrap_evidence`, which labels each piece as untrusted data and neutralises
anything in its text that could close the element early.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

PROMPTS_DIR = Path(__file__).resolve().parent
_VERSION_FILE = re.compile(r"^v(\d+)\.md$")
_EVIDENCE_TAG = re.compile(r"<(\s*/?\s*)(evidence)", re.IGNORECASE)


class PromptNotFound(LookupError):
    """No template with that name, or not in that version."""


@dataclass(frozen=True)
class EvidenceItem:
    """One piece of retrieved evidence as the prompt shows it."""

    source_id: str
    type: str
    text: str
    date: str | None = None
    title: str | None = None
    locator: str | None = None


@dataclass(frozen=True)
class RenderedPrompt:
    system: str
    user: str


def neutralise(text: str) -> str:
    """Text that cannot open or close an <evidence> element: the tag's '<' becomes '&lt;'."""
    return _EVIDENCE_TAG.sub(lambda m: f"&lt;{m.group(1)}{m.group(2)}", text)


def wrap_evidence(item: EvidenceItem) -> str:
    """One <evidence> element: labelled attributes, then the text as data."""
    attributes = {
        "source_id": item.source_id,
        "type": item.type,
        "date": item.date,
        "title": item.title,
        "locator": item.locator,
    }
    rendered = " ".join(
        f'{name}="{html.escape(value, quote=True)}"' for name, value in attributes.items() if value
    )
    return f"<evidence {rendered}>\n{neutralise(item.text)}\n</evidence>"


@dataclass(frozen=True)
class Prompt:
    """One version of one prompt template."""

    name: str
    version: str
    path: Path

    @property
    def id(self) -> str:
        """What drafts record as their prompt version: "stakeholder_map/v1"."""
        return f"{self.name}/{self.version}"

    def render(self, variables: Mapping[str, Any]) -> RenderedPrompt:
        environment = _environment(self.path.parent)
        template = environment.get_template(self.path.name)
        context = template.new_context(dict(variables))
        parts = {}
        for block in ("system", "user"):
            render_block = template.blocks.get(block)
            if render_block is None:
                raise PromptNotFound(f"{self.path} has no {{% block {block} %}}")
            parts[block] = "".join(render_block(context)).strip() + "\n"
        return RenderedPrompt(system=parts["system"], user=parts["user"])


def _environment(folder: Path) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["evidence"] = wrap_evidence
    environment.filters["neutralise"] = neutralise
    return environment


def available_versions(name: str, root: Path = PROMPTS_DIR) -> list[str]:
    """The versions of a prompt, oldest first ("v1", "v2", ...)."""
    folder = root / name
    if not folder.is_dir():
        return []
    numbered = [int(m.group(1)) for p in folder.iterdir() if (m := _VERSION_FILE.match(p.name))]
    return [f"v{n}" for n in sorted(numbered)]


def load_prompt(name: str, version: str | None = None, root: Path = PROMPTS_DIR) -> Prompt:
    """A prompt by name, in `version` or else its newest version."""
    versions = available_versions(name, root)
    if not versions:
        names = sorted(p.name for p in root.iterdir() if available_versions(p.name, root))
        raise PromptNotFound(f"No prompt named {name!r}; available: {', '.join(names) or 'none'}.")
    chosen = version or versions[-1]
    if chosen not in versions:
        raise PromptNotFound(
            f"Prompt {name!r} has no version {chosen!r}; available: {', '.join(versions)}."
        )
    return Prompt(name=name, version=chosen, path=root / name / f"{chosen}.md")
