"""How much of the model's context window a prompt may use, and how the evidence is packed into it.

Many self-hosted models run with an 8k context while a full prompt runs to ~16k tokens. The
prompt is packed to fit: the facts (CRM facts, the current plan, the instructions and the output
schema) first, then the evidence by retrieval rank until the budget is spent, and the draft
records what was left out. Tokens are estimated without the model's tokenizer, conservatively.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

DEFAULT_CONTEXT_TOKENS = 16_000

# Context windows of models people run, by name prefix (the longest listed prefix wins).
KNOWN_CONTEXT_TOKENS: dict[str, int] = {
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-5": 400_000,
    "o3": 200_000,
    "o4-mini": 200_000,
    "llama3": 8_192,
    "llama3.1": 131_072,
    "llama3.2": 131_072,
    "llama-3.1": 131_072,
    "qwen2.5": 32_768,
    "qwen3": 32_768,
    "mistral": 32_768,
    "gemma2": 8_192,
    "gemma3": 32_768,
    "gemma-3": 32_768,
    "phi3": 4_096,
    "phi4": 16_384,
}

# English prose and JSON Schema run about 4 characters per token in the GPT and Gemma tokenizers,
# CRM records with Salesforce Ids about 2.5 (Gemma), so the estimate assumes 2.5 for ASCII text and
# a token for every other character (accents, CJK, emoji).
CHARS_PER_TOKEN = 2.5
# Reserved for the answer when max_output_tokens is not set: a quarter of the window, at most 4k.
DEFAULT_ANSWER_SHARE = 4
MAX_DEFAULT_ANSWER_TOKENS = 4_096


def context_tokens_for(model: str, configured: int | None = None) -> int:
    """The configured window, else the known one for `model` ("ollama/llama3.1:8b" → 131,072), else 16,000."""
    if configured is not None:
        return configured
    name = model.lower().rsplit("/", 1)[-1]
    matches = [
        prefix for prefix in KNOWN_CONTEXT_TOKENS if name == prefix or re.match(re.escape(prefix) + r"[-:._]", name)
    ]
    return KNOWN_CONTEXT_TOKENS[max(matches, key=len)] if matches else DEFAULT_CONTEXT_TOKENS


def estimate_tokens(text: str) -> int:
    other = sum(1 for char in text if not char.isascii())
    return math.ceil((len(text) - other) / CHARS_PER_TOKEN) + other


def answer_reserve(context_tokens: int, max_output_tokens: int | None) -> int:
    """Tokens kept free for the answer."""
    if max_output_tokens is not None:
        return max_output_tokens
    return min(MAX_DEFAULT_ANSWER_TOKENS, context_tokens // DEFAULT_ANSWER_SHARE)


class FactsTooLarge(Exception):
    """The prompt without any evidence already overflows the context window."""


@dataclass(frozen=True)
class Budget:
    """The characters of evidence a prompt may carry once its facts are in."""

    context_tokens: int
    answer_tokens: int
    facts_tokens: int

    @property
    def evidence_chars(self) -> int:
        return int(max(0, self.context_tokens - self.answer_tokens - self.facts_tokens) * CHARS_PER_TOKEN)


def budget_for(facts_text: str, context_tokens: int, max_output_tokens: int | None) -> Budget:
    """The evidence budget left after `facts_text` (the prompt rendered without evidence, plus the schema)."""
    budget = Budget(context_tokens, answer_reserve(context_tokens, max_output_tokens), estimate_tokens(facts_text))
    if budget.facts_tokens + budget.answer_tokens > context_tokens:
        raise FactsTooLarge(
            f"the prompt's facts alone need about {budget.facts_tokens:,} tokens, and the answer "
            f"{budget.answer_tokens:,}: more than the model's {context_tokens:,}-token context"
        )
    return budget
