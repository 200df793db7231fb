"""Session, tab and notification templates: how a channel's work looks to the agent.

An integrator writes templates in the host configuration (``[[templates.sessions]]``,
``[[templates.tabs]]``, ``[[templates.notifications]]``); a provider package
ships defaults for its channel through the ``channelkit_default_templates``
hook. Providers then ask for a template by name with parameters, and the host
resolves the placeholders (``{name}``, ``{session.key}``, ``{anchor.key}``,
``{{``/``}}`` for literal braces) as ``docs/templates.md`` specifies.

These models check everything that can be checked on one template: names,
lengths, ranges, the page type's parameters and the placeholder syntax of
every text. Whether a session template's tabs exist is checked when the host
combines every source.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator
from pydantic import model_validator

from channelkit.sdk import limits
from channelkit.sdk import placeholders

__all__ = [
    "PAGE_PARAMETERS",
    "NotificationFieldTemplate",
    "NotificationTemplate",
    "SessionTemplate",
    "TabTemplate",
    "TemplateSet",
]

TemplateName = Annotated[str, Field(pattern=f"^{limits.TEMPLATE_NAME_PATTERN}$")]
PageTypeName = Literal["url", "custom", "transcript", "record"]
PanelModeName = Literal["docked", "minimized", "hidden"]

PAGE_PARAMETERS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "url": (frozenset({"url"}), frozenset()),
    "custom": (frozenset({"page"}), frozenset()),
    "transcript": (frozenset(), frozenset()),
    "record": (frozenset({"entity_name", "entity_id"}), frozenset()),
}
"""Per page type: the parameters it requires and the ones it may also take."""


def _checked_placeholders(text: str) -> str:
    try:
        placeholders.parse(text)
    except placeholders.PlaceholderSyntaxError as exc:
        raise ValueError(str(exc)) from None
    return text


class _Template(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TabTemplate(_Template):
    """A tab a session or a provider opens: title, page type and its parameters.

    ``parameters`` by page type: ``url`` needs ``url`` (an http(s) URL after
    resolution; values put into it are URL-encoded unless the placeholder is
    the whole URL), ``custom`` needs ``page``, ``record`` needs ``entity_name``
    and ``entity_id``, ``transcript`` takes none.
    """

    name: TemplateName
    title: Annotated[str, Field(min_length=1, max_length=limits.TITLE_MAX)]
    page_type: PageTypeName
    parameters: dict[str, Annotated[str, Field(max_length=limits.TARGET_MAX)]] = Field(default_factory=dict)
    can_close: bool = True

    _title_syntax = field_validator("title")(_checked_placeholders)

    @model_validator(mode="after")
    def _parameters_fit_page_type(self) -> TabTemplate:
        required, optional = PAGE_PARAMETERS[self.page_type]
        missing = sorted(required - self.parameters.keys())
        unknown = sorted(self.parameters.keys() - required - optional)
        if missing:
            raise ValueError(f"page type '{self.page_type}' needs parameters: {', '.join(missing)}")
        if unknown:
            allowed = ", ".join(sorted(required | optional)) or "none"
            raise ValueError(
                f"page type '{self.page_type}' takes no parameter {', '.join(unknown)} (allowed: {allowed})"
            )
        for key, value in self.parameters.items():
            try:
                placeholders.parse(value)
            except placeholders.PlaceholderSyntaxError as exc:
                raise ValueError(f"parameters.{key}: {exc}") from None
        return self


class NotificationFieldTemplate(_Template):
    """One "header: value" line of a toast; skipped when the value resolves empty."""

    header: Annotated[str, Field(min_length=1, max_length=limits.FIELD_HEADER_MAX)]
    value: Annotated[str, Field(max_length=limits.FIELD_VALUE_MAX)]

    _value_syntax = field_validator("header", "value")(_checked_placeholders)


class NotificationTemplate(_Template):
    """A toast: title, icon, up to four fields, timeout, buttons and auto-accept.

    ``timeout_seconds`` 0 takes the host's default. An ``auto_accept`` toast
    keeps its place in the workspace's queue and accepts itself when its turn
    comes (ACCEPT/AUTO_ACCEPT).
    """

    name: TemplateName
    title: Annotated[str, Field(min_length=1, max_length=limits.NOTIFICATION_TITLE_MAX)]
    icon: Annotated[str, Field(max_length=limits.ICON_MAX)] = ""
    fields: Annotated[list[NotificationFieldTemplate], Field(max_length=limits.NOTIFICATION_FIELDS_MAX)] = Field(
        default_factory=list
    )
    timeout_seconds: Annotated[int, Field(ge=0, le=limits.NOTIFICATION_TIMEOUT_MAX)] = 0
    show_countdown: bool = True
    accept_label: Annotated[str, Field(min_length=1, max_length=limits.BUTTON_LABEL_MAX)] = "Accept"
    reject_label: Annotated[str, Field(min_length=1, max_length=limits.BUTTON_LABEL_MAX)] = "Reject"
    show_reject: bool = True
    auto_accept: bool = False

    _title_syntax = field_validator("title")(_checked_placeholders)


class SessionTemplate(_Template):
    """A session: title, the anchor tab and additional tabs it opens with, icon, panel mode.

    ``anchor`` and ``tabs`` name tab templates. ``panel_mode`` is applied the
    first time the session gains focus.
    """

    name: TemplateName
    title: Annotated[str, Field(min_length=1, max_length=limits.TITLE_MAX)]
    anchor: TemplateName | None = None
    tabs: list[TemplateName] = Field(default_factory=list)
    icon: Annotated[str, Field(max_length=limits.ICON_MAX)] = ""
    panel_mode: PanelModeName | None = None

    _title_syntax = field_validator("title")(_checked_placeholders)

    @model_validator(mode="after")
    def _tabs_need_anchor(self) -> SessionTemplate:
        if self.tabs and self.anchor is None:
            raise ValueError("additional tabs need an anchor tab: set anchor")
        return self


def _duplicate(names: Iterable[str]) -> tuple[int, str] | None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            return index, name
        seen.add(name)
    return None


class TemplateSet(_Template):
    """Templates of every kind, each name unique within its kind."""

    sessions: list[SessionTemplate] = Field(default_factory=list)
    tabs: list[TabTemplate] = Field(default_factory=list)
    notifications: list[NotificationTemplate] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> TemplateSet:
        for kind in ("sessions", "tabs", "notifications"):
            clash = _duplicate(t.name for t in getattr(self, kind))
            if clash is not None:
                raise ValueError(f"{kind}[{clash[0]}].name '{clash[1]}' is used twice")
        return self
