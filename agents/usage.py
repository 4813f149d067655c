"""Token cost accounting: what one LLM call cost, from a price table in USD per million tokens."""

from __future__ import annotations

from collections.abc import Mapping

# USD per million (input, output) tokens, as OpenAI lists them; a deployment overrides these
# through LlmConfig when its contract or its model differs.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5": (1.25, 10.00),
}


def price_for(model: str, prices: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """The model's price: exact name, else the longest listed name it starts with ("gpt-4o-mini-2024-07-18")."""
    if model in prices:
        return prices[model]
    prefixes = [name for name in prices if model.startswith(name + "-")]
    return prices[max(prefixes, key=len)] if prefixes else None


def cost_usd(prompt_tokens: int, completion_tokens: int, price: tuple[float, float]) -> float:
    per_input, per_output = price
    return round((prompt_tokens * per_input + completion_tokens * per_output) / 1_000_000, 8)
