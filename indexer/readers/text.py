"""Whitespace and short renderings of values: what every reader needs to put text in one line."""

from __future__ import annotations

# Characters that are not whitespace for str.split() but are invisible padding in copied text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace (non-breaking spaces included) to one space, and strip."""
    return " ".join(text.translate(_INVISIBLE).split())


def shorten(value: object, limit: int = 60) -> str:
    """The value's repr, cut to ``limit`` characters: for error messages that quote input."""
    shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
