"""Tabs to open, literal or from a template, checked against their page type.

Both forms end as one :class:`CheckedTab`, so a templated tab meets exactly the
checks a literal one meets (URL scheme, record ids, lengths). A tab remembers
its parameters, which ``{anchor.key}`` placeholders read when it is an anchor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from urllib.parse import quote

from channelkit.host.core import _validate as check
from channelkit.host.core._model import RecordRef
from channelkit.host.core._templates import Scope
from channelkit.host.core._templates import TemplateCall
from channelkit.host.core._templates import TemplateCatalog
from channelkit.host.core._templates import fit
from channelkit.host.core._templates import unfilled
from channelkit.sdk import PageType
from channelkit.sdk import limits
from channelkit.sdk.errors import InvalidArgument

PAGE_TYPES = {
    "url": PageType.URL,
    "custom": PageType.CUSTOM,
    "transcript": PageType.TRANSCRIPT,
    "record": PageType.RECORD,
}


@dataclass(frozen=True, slots=True)
class TabSpec:
    """A tab to open, as a provider describes it."""

    title: str
    page_type: int
    target: str
    can_close: bool = True
    record: tuple[str, str] | None = None
    """``(entity_name, entity_id)`` for a RECORD tab."""


@dataclass(frozen=True, slots=True)
class CheckedTab:
    """A tab ready to open: checked, resolved, with the parameters it remembers."""

    title: str
    page_type: PageType
    target: str
    record: RecordRef | None
    can_close: bool = True
    template: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)
    call: TemplateCall | None = None


def checked_tab_spec(spec: TabSpec, field_name: str, record_url: str) -> CheckedTab:
    """Check a literal tab against its page type; RECORD tabs get their link from ``record_url``."""
    title = check.text(f"{field_name}.title", spec.title, max_len=limits.TITLE_MAX, required=True)
    page_type = check.enum_value(f"{field_name}.page_type", spec.page_type, PageType)
    if page_type is not PageType.RECORD and spec.record is not None:
        raise check.invalid(f"{field_name}.record", "is only used by PAGE_TYPE_RECORD tabs")
    if page_type is PageType.URL:
        target = check.url(f"{field_name}.target", spec.target)
        return CheckedTab(title, page_type, target, None, spec.can_close, parameters={"title": title, "url": target})
    if page_type is PageType.CUSTOM:
        target = check.text(f"{field_name}.target", spec.target, max_len=limits.TARGET_MAX, required=True)
        return CheckedTab(title, page_type, target, None, spec.can_close, parameters={"title": title, "page": target})
    if spec.target:
        raise check.invalid(f"{field_name}.target", f"must be empty for PAGE_TYPE_{page_type.name}: the host sets it")
    if page_type is PageType.TRANSCRIPT:
        return CheckedTab(title, page_type, "", None, spec.can_close, parameters={"title": title})
    if spec.record is None:
        raise check.invalid(f"{field_name}.record", "is required for PAGE_TYPE_RECORD tabs")
    entity_name = check.identifier(f"{field_name}.record.entity_name", spec.record[0], max_len=limits.ENTITY_NAME_MAX)
    entity_id = check.identifier(f"{field_name}.record.entity_id", spec.record[1])
    link = record_url.replace("{entity_name}", quote(entity_name, safe="")).replace(
        "{entity_id}", quote(entity_id, safe="")
    )
    parameters = {"title": title, "entity_name": entity_name, "entity_id": entity_id}
    return CheckedTab(title, page_type, link, RecordRef(entity_name, entity_id), spec.can_close, parameters=parameters)


def templated_tab(
    catalog: TemplateCatalog,
    name: str,
    call: TemplateCall,
    *,
    context: Mapping[str, str],
    anchor: Mapping[str, str],
    record_url: str,
) -> CheckedTab:
    """Resolve tab template ``name`` with ``call``'s parameters; errors name ``template_parameters``.

    A scoped parameter named like one of the template's settings (``title``,
    ``url``, ``page``, ``entity_name``, ``entity_id``) replaces it as given.
    """
    template = catalog.tab(name)
    scoped = call.tabs.get(name, {})
    scope = Scope(name, call.values, scoped, context, anchor)
    missing_names: list[str] = []

    def resolved(key: str, text: str, *, url: bool = False) -> str:
        if key in scoped:
            return scoped[key]
        value, missing = catalog.render(text, scope, url_encode=url)
        missing_names.extend(missing)
        return value

    title = fit(resolved("title", template.title).strip(), limits.TITLE_MAX)
    page_type = PAGE_TYPES[template.page_type]
    values = {k: resolved(k, v, url=page_type is PageType.URL and k == "url") for k, v in template.parameters.items()}
    spec = TabSpec(
        title=title,
        page_type=page_type,
        target=values.get("url", values.get("page", "")),
        can_close=template.can_close,
        record=(values["entity_name"], values["entity_id"]) if page_type is PageType.RECORD else None,
    )
    try:
        checked = checked_tab_spec(spec, "tab", record_url)
    except InvalidArgument as exc:
        raise _unusable(name, exc, missing_names) from None
    remembered = {**scoped, **values, "title": checked.title}
    return CheckedTab(
        checked.title,
        checked.page_type,
        checked.target,
        checked.record,
        template.can_close,
        template=name,
        parameters=remembered,
        call=TemplateCall(name, dict(call.values), {name: dict(scoped)} if scoped else {}),
    )


def _unusable(template: str, error: InvalidArgument, missing: list[str]) -> InvalidArgument:
    problem = error.message.removeprefix("invalid ")
    return check.invalid(
        "template_parameters", f"tab template '{template}' resolves to an unusable tab: {problem}{unfilled(missing)}"
    )
