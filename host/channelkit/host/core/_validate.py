"""Field checks shared by every edge: each failure names the contract field.

Checks look only at the value, never at host state, so a malformed request
about another provider's session fails exactly like one about a missing
session (rule R2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Mapping
from enum import IntEnum
from typing import TypeVar
from urllib.parse import urlsplit

from channelkit.sdk import limits
from channelkit.sdk.errors import InvalidArgument

_ID = re.compile(limits.ID_PATTERN)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

E = TypeVar("E", bound=IntEnum)


def invalid(field: str, problem: str) -> InvalidArgument:
    """Build the INVALID_ARGUMENT error for ``field``."""
    return InvalidArgument(f"invalid {field}: {problem}", field=field, metadata={"field": field})


def identifier(field: str, value: str, *, max_len: int = limits.ID_MAX) -> str:
    """A required id: 1–``max_len`` (default ``limits.ID_MAX``) characters of letters, digits and ``._:@-``."""
    if not value:
        raise invalid(field, "must not be empty")
    if len(value) > max_len:
        raise invalid(field, f"must be at most {max_len} characters (got {len(value)})")
    if not _ID.fullmatch(value):
        raise invalid(field, "may hold only letters, digits and . _ : @ - and must start with a letter or digit")
    return value


def is_identifier(value: str) -> bool:
    """True when :func:`identifier` would accept ``value`` (for a lookup that must not fail on bad input)."""
    return 0 < len(value) <= limits.ID_MAX and _ID.fullmatch(value) is not None


def optional_identifier(field: str, value: str) -> str:
    """An id that may be empty."""
    return identifier(field, value) if value else value


def text(field: str, value: str, *, max_len: int, required: bool = False) -> str:
    """Free text: at most ``max_len`` characters, no control characters."""
    if required and not value.strip():
        raise invalid(field, "must not be empty")
    if len(value) > max_len:
        raise invalid(field, f"must be at most {max_len} characters (got {len(value)})")
    if _CONTROL.search(value):
        raise invalid(field, "must not contain control characters")
    return value


def enum_value(field: str, value: int, enum: type[E]) -> E:
    """A defined, non-zero enum value."""
    try:
        return enum(value)
    except ValueError:
        names = ", ".join(m.name for m in enum)
        raise invalid(field, f"{value} is not one of {names}") from None


def integer(field: str, value: int, *, low: int, high: int) -> int:
    """An integer within ``[low, high]``."""
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high} (got {value})")
    return value


def url(field: str, value: str) -> str:
    """An absolute http or https URL of at most 2048 characters."""
    text(field, value, max_len=limits.TARGET_MAX, required=True)
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise invalid(field, "must be an absolute http or https URL")
    return value


def string_map(field: str, entries: Mapping[str, str], bounds: limits.MapLimit = limits.CONTEXT) -> dict[str, str]:
    """A string map with at most ``bounds.entries`` entries, non-empty keys and bounded keys and values."""
    if len(entries) > bounds.entries:
        raise invalid(field, f"must have at most {bounds.entries} entries (got {len(entries)})")
    for key, value in entries.items():
        if not key:
            raise invalid(field, "keys must not be empty")
        text(f"{field}[{key[:40]}]", key, max_len=bounds.key)
        text(f"{field}[{key[:40]}]", value, max_len=bounds.value)
    return dict(entries)


def key_list(field: str, keys: Iterable[str]) -> list[str]:
    """A list of map keys to remove."""
    result = list(keys)
    if len(result) > limits.CONTEXT.entries:
        raise invalid(field, f"must have at most {limits.CONTEXT.entries} entries")
    for key in result:
        text(field, key, max_len=limits.CONTEXT.key, required=True)
    return result
