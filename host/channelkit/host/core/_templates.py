"""Templates by name, and the one rule set that fills their placeholders.

A placeholder ``{name}`` is looked up, first match wins:

1. the call's parameters scoped to the tab template being resolved;
2. the call's parameters;
3. the session's context bag (sessions and tabs; a toast has no session).

``{session.key}`` reads only the session's context bag and ``{anchor.key}``
only the anchor tab's parameters. Text around placeholders is kept, ``{{`` and
``}}`` are literal braces, a placeholder nothing fills becomes empty and is
reported once per template and name (a notice the host logs). Values are inserted as they are and never
parsed again, and nothing is evaluated: a template can only copy strings.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import TypeVar
from urllib.parse import quote

from channelkit.host.core import _validate as check
from channelkit.sdk import limits
from channelkit.sdk import placeholders
from channelkit.sdk.errors import TemplateNotFound
from channelkit.sdk.templates import NotificationTemplate
from channelkit.sdk.templates import SessionTemplate
from channelkit.sdk.templates import TabTemplate

T = TypeVar("T", SessionTemplate, TabTemplate, NotificationTemplate)


@dataclass(frozen=True, slots=True)
class TemplateCall:
    """A provider's request to use template ``name`` with parameters."""

    name: str
    values: Mapping[str, str] = field(default_factory=dict)
    tabs: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    """Parameters scoped to one tab template, by its name."""

    def checked(self, field_name: str) -> TemplateCall:
        """The call with its name and parameter maps checked; errors name ``field_name``."""
        values = check.string_map(f"{field_name}.values", self.values)
        if len(self.tabs) > limits.CONTEXT.entries:
            raise check.invalid(f"{field_name}.tabs", f"must have at most {limits.CONTEXT.entries} entries")
        tabs = {
            name: check.string_map(f"{field_name}.tabs[{name[:40]}].values", scoped)
            for name, scoped in self.tabs.items()
        }
        return TemplateCall(self.name, values, tabs)


@dataclass(frozen=True, slots=True)
class Scope:
    """What the placeholders of one template text can see."""

    template: str
    values: Mapping[str, str] = field(default_factory=dict)
    scoped: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, str] = field(default_factory=dict)
    anchor: Mapping[str, str] = field(default_factory=dict)

    def lookup(self, name: str) -> str | None:
        """The value of ``name`` by the rule set above; None when nothing fills it."""
        prefix, _, rest = name.partition(".")
        if rest and prefix == "session":
            return self.context.get(rest)
        if rest and prefix == "anchor":
            return self.anchor.get(rest)
        for source in (self.scoped, self.values, self.context):
            if name in source:
                return source[name]
        return None


class TemplateCatalog:
    """Every template the host knows, by kind and name, with parsed texts cached."""

    def __init__(
        self,
        sessions: Iterable[SessionTemplate] = (),
        tabs: Iterable[TabTemplate] = (),
        notifications: Iterable[NotificationTemplate] = (),
    ) -> None:
        self.sessions = {t.name: t for t in sessions}
        self.tabs = {t.name: t for t in tabs}
        self.notifications = {t.name: t for t in notifications}
        self._parsed: dict[str, tuple[placeholders.Segment, ...]] = {}
        self._reported: set[tuple[str, str]] = set()
        self._notices: list[str] = []

    def session(self, name: str) -> SessionTemplate:
        """The session template ``name``; TEMPLATE_NOT_FOUND otherwise."""
        return _named(self.sessions, name, "session")

    def tab(self, name: str) -> TabTemplate:
        """The tab template ``name``; TEMPLATE_NOT_FOUND otherwise."""
        return _named(self.tabs, name, "tab")

    def notification(self, name: str) -> NotificationTemplate:
        """The notification template ``name``; TEMPLATE_NOT_FOUND otherwise."""
        return _named(self.notifications, name, "notification")

    def render(self, text: str, scope: Scope, *, url_encode: bool = False) -> tuple[str, list[str]]:
        """Fill ``text``'s placeholders from ``scope``; return the result and the names nothing filled.

        With ``url_encode`` each inserted value is percent-encoded, unless the
        placeholder is the whole text (a complete URL passed as a parameter).
        """
        segments = self._segments(text)
        missing: list[str] = []
        encode = url_encode and len(segments) > 1

        def fill(name: str) -> str:
            value = scope.lookup(name)
            if value is None:
                missing.append(name)
                self._report(scope.template, name)
                return ""
            return _percent_encoded(value) if encode else value

        return placeholders.render(segments, fill), missing

    def take_notices(self) -> list[str]:
        """The notices about unfilled placeholders since the last call (each template and name once)."""
        taken, self._notices = self._notices, []
        return taken

    def _segments(self, text: str) -> tuple[placeholders.Segment, ...]:
        parsed = self._parsed.get(text)
        if parsed is None:
            parsed = self._parsed[text] = placeholders.parse(text)
        return parsed

    def _report(self, template: str, name: str) -> None:
        if (template, name) not in self._reported:
            self._reported.add((template, name))
            self._notices.append(
                f"template {template}: nothing fills {{{name}}}; it resolves to empty text (reported once)"
            )


def resolved_title(catalog: TemplateCatalog, text: str, scope: Scope, *, kind: str, max_len: int) -> str:
    """A template title filled from ``scope``; INVALID_FIELD naming what nothing filled when it comes out empty."""
    title, missing = catalog.render(text, scope)
    title = fit(title.strip(), max_len)
    if not title:
        raise check.invalid(
            "template_parameters", f"{kind} template '{scope.template}' resolves to an empty title{unfilled(missing)}"
        )
    return title


def unfilled(missing: Iterable[str]) -> str:
    """`` (placeholders nothing filled: a, b)`` for an error message, or "" when all were filled."""
    names = sorted(set(missing))
    return f" (placeholders nothing filled: {', '.join(names)})" if names else ""


def _named(templates: Mapping[str, T], name: str, kind: str) -> T:
    check.identifier("template", name)
    found = templates.get(name)
    if found is None:
        raise TemplateNotFound(f"no {kind} template is named '{name}'", metadata={"template": name, "kind": kind})
    return found


def _percent_encoded(value: str) -> str:
    return quote(value, safe="")


def fit(text: str, max_len: int) -> str:
    """Resolved display text cut to ``max_len`` characters, marking the cut with an ellipsis."""
    return text if len(text) <= max_len else text[: max_len - 1] + "…"
