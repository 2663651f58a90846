"""Bidirectional-text controls: invisible characters that reorder how the text around them is
shown (U+202E turns ``https://example.org/gpj.exe`` into what reads as ``…exe.jpg``), so that a
link can disguise where it leads. Links refuse them."""

from __future__ import annotations

# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), the LRM/RLM marks
# (U+200E, U+200F) and the Arabic letter mark (U+061C).
CONTROLS = frozenset(
    [
        *map(chr, range(0x202A, 0x202F)),
        *map(chr, range(0x2066, 0x206A)),
        "\u200e",
        "\u200f",
        "\u061c",
    ]
)


def controls_in(text: str) -> list[str]:
    """The bidirectional controls ``text`` holds, each once, as ``U+202E`` (in order)."""
    found: dict[str, None] = {}
    for ch in text:
        if ch in CONTROLS:
            found[f"U+{ord(ch):04X}"] = None
    return list(found)
