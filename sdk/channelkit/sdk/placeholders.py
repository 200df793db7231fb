"""The placeholder syntax of templates: ``{name}`` slots, ``{{`` and ``}}`` escapes.

Parsing is strict so that a template with a stray brace is refused when it is
loaded, not rendered wrongly in front of an agent. Rendering is a plain
substitution of already-looked-up strings: nothing is evaluated, and a value
that itself contains braces is inserted as it is, never parsed again.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from channelkit.sdk.limits import PLACEHOLDER_NAME_PATTERN

_TOKEN = re.compile(r"\{\{|\}\}|\{(" + PLACEHOLDER_NAME_PATTERN + r")\}|[{}]")


class PlaceholderSyntaxError(ValueError):
    """A template text has a brace that is neither an escape nor a valid ``{name}``."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A ``{name}`` to fill in."""

    name: str


Segment = str | Slot


def parse(text: str) -> tuple[Segment, ...]:
    """Split ``text`` into literal strings and slots.

    Raises:
        PlaceholderSyntaxError: a lone ``{`` or ``}``, or a name with characters
            outside letters, digits and ``_.:@-`` (or longer than 128).
    """
    segments: list[Segment] = []
    literal: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        literal.append(text[position : match.start()])
        token = match.group(0)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif match.group(1) is not None:
            segments.extend(_flush(literal))
            segments.append(Slot(match.group(1)))
        else:
            raise PlaceholderSyntaxError(
                f"unmatched '{token}' at character {match.start() + 1}: write '{token}{token}' for a literal brace, "
                "or {name} with a name of letters, digits and _.:@-"
            )
        position = match.end()
    literal.append(text[position:])
    segments.extend(_flush(literal))
    return tuple(segments)


def _flush(literal: list[str]) -> list[Segment]:
    joined = "".join(literal)
    literal.clear()
    return [joined] if joined else []


def slots(text: str) -> list[str]:
    """The slot names of ``text`` in order of appearance (may repeat)."""
    return [s.name for s in parse(text) if isinstance(s, Slot)]


def render(segments: tuple[Segment, ...], lookup: Callable[[str], str]) -> str:
    """Join the segments, replacing each slot with ``lookup(name)``."""
    return "".join(s if isinstance(s, str) else lookup(s.name) for s in segments)
