"""Placeholder resolution, case by case, through the core's real commands."""

from __future__ import annotations

import pytest

from channelkit.host.core import Core
from channelkit.host.core import TemplateCall
from channelkit.host.core import TemplateCatalog
from channelkit.host.core import ToastSpec
from channelkit.host.core import events as ev
from channelkit.host.core._templates import Scope
from channelkit.sdk import PageType
from channelkit.sdk import PanelMode
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.errors import TemplateNotFound
from channelkit.sdk.templates import NotificationFieldTemplate
from channelkit.sdk.templates import NotificationTemplate
from channelkit.sdk.templates import SessionTemplate
from channelkit.sdk.templates import TabTemplate
from tests.core._fixtures import accepted
from tests.core._fixtures import make_core

CATALOG = TemplateCatalog(
    sessions=[
        SessionTemplate(
            name="call",
            title="Call with {name} ({anchor.entity_id})",
            anchor="crm",
            tabs=["search", "notes"],
            icon="phone",
            panel_mode="minimized",
        ),
        SessionTemplate(name="plain", title="{{literal}} {session.topic} {missing}"),
    ],
    tabs=[
        TabTemplate(
            name="crm",
            title="Customer {name}",
            page_type="record",
            parameters={"entity_name": "contact", "entity_id": "{customer_id}"},
            can_close=False,
        ),
        TabTemplate(
            name="search",
            title="Search {anchor.title}",
            page_type="url",
            parameters={"url": "https://search.example/?q={query}&who={session.who}"},
        ),
        TabTemplate(name="notes", title="Notes for {name}", page_type="transcript"),
        TabTemplate(name="link", title="Link", page_type="url", parameters={"url": "{link}"}),
    ],
    notifications=[
        NotificationTemplate(
            name="incoming",
            title="Call from {name}",
            fields=[
                NotificationFieldTemplate(header="Number", value="{from}"),
                NotificationFieldTemplate(header="Account", value="{account}"),
                NotificationFieldTemplate(header="Note", value="VIP {{{tier}}}"),
            ],
            timeout_seconds=45,
            accept_label="Answer",
            reject_label="Decline",
            icon="phone",
        )
    ],
)


def _core() -> Core:
    """A core with a fresh catalogue (each catalogue reports an unfilled placeholder once)."""
    fresh = TemplateCatalog(CATALOG.sessions.values(), CATALOG.tabs.values(), CATALOG.notifications.values())
    return make_core(fresh)[0]


def _call(
    name: str, values: dict[str, str] | None = None, tabs: dict[str, dict[str, str]] | None = None
) -> TemplateCall:
    return TemplateCall(name, values or {}, tabs or {})


def test_session_template_opens_anchor_and_tabs_with_each_rule() -> None:
    core = _core()
    session = core.create_session(
        "alpha",
        "agent-1",
        context={"who": "vip desk", "name": "from context"},
        template=_call(
            "call",
            {"name": "Ada", "customer_id": "c-42", "query": "a b&c"},
            {"notes": {"name": "Scoped Ada"}},
        ),
    )
    anchor, search, notes = session.tabs.values()
    # call parameters win over the session context; {anchor.x} reads the anchor's resolved parameters
    assert session.title == "Call with Ada (c-42)"
    assert (anchor.title, anchor.page_type, anchor.record) == ("Customer Ada", PageType.RECORD, anchor.record)
    assert anchor.record is not None and anchor.record.entity_id == "c-42" and not anchor.can_close
    # values put into a URL are percent-encoded; {session.x} reads only the context bag
    assert search.target == "https://search.example/?q=a%20b%26c&who=vip%20desk"
    assert search.title == "Search Customer Ada"
    # a parameter scoped to one tab template wins for that tab only
    assert notes.title == "Notes for Scoped Ada"
    assert (session.template, session.icon, [t.template for t in session.tabs.values()]) == (
        "call",
        "phone",
        ["crm", "search", "notes"],
    )


def test_the_context_fills_what_the_call_does_not_and_session_prefix_ignores_parameters() -> None:
    core = _core()
    session = core.create_session(
        "alpha", "agent-1", context={"topic": "billing"}, template=_call("plain", {"topic": "not this one"})
    )
    # escaped braces are literal, {session.topic} skips the call's "topic", {missing} becomes empty
    assert session.title == "{literal} billing"


def test_an_unfilled_placeholder_is_empty_and_reported_once_as_a_notice() -> None:
    core = _core()
    core.create_session("alpha", "agent-1", context={"topic": "a"}, template=_call("plain"))
    first = [o.message for o in core.take_outputs() if isinstance(o, ev.Notice)]
    core.create_session("alpha", "agent-1", context={"topic": "b"}, template=_call("plain"))
    second = [o.message for o in core.take_outputs() if isinstance(o, ev.Notice)]
    assert len(first) == 1 and "plain" in first[0] and "{missing}" in first[0]
    assert second == []


def test_values_are_inserted_as_they_are_and_never_resolved_again() -> None:
    core = _core()
    session = core.create_session(
        "alpha", "agent-1", template=_call("call", {"name": "{customer_id} {{x}}", "customer_id": "c-1"})
    )
    assert session.title == "Call with {customer_id} {{x}} (c-1)"


def test_a_placeholder_is_a_lookup_never_code() -> None:
    catalog = TemplateCatalog(sessions=[SessionTemplate(name="probe", title="x{0.__class__}{__import__}y")])
    core = make_core(catalog)[0]
    session = core.create_session("alpha", "agent-1", template=_call("probe", {"0.__class__": "A"}))
    assert session.title == "xAy"


def test_a_whole_url_parameter_is_not_encoded_but_must_still_be_a_url() -> None:
    core = _core()
    session = core.create_session("alpha", "agent-1", title="S")
    tab = core.create_tab("alpha", session.id, None, template=_call("link", {"link": "https://ex.example/a?b=c d"}))
    assert tab.target == "https://ex.example/a?b=c d"
    with pytest.raises(InvalidArgument) as bad:
        core.create_tab("alpha", session.id, None, template=_call("link", {"link": "javascript:alert(1)"}))
    assert bad.value.field == "template_parameters" and "link" in bad.value.message


def test_a_scoped_setting_replaces_the_configured_one() -> None:
    core = _core()
    session = core.create_session("alpha", "agent-1", title="S")
    tab = core.create_tab(
        "alpha",
        session.id,
        None,
        template=_call("crm", {"customer_id": "c-1"}, {"crm": {"entity_name": "account", "title": "Acme"}}),
    )
    assert tab.record is not None
    assert (tab.title, tab.record.entity_name, tab.record.entity_id) == ("Acme", "account", "c-1")


def test_titles_are_resolved_again_with_new_parameters_and_the_current_context() -> None:
    core = _core()
    session = core.create_session("alpha", "agent-1", template=_call("call", {"name": "Ada", "customer_id": "c-9"}))
    retitled = core.set_session_title("alpha", session.id, "", parameters=_call("", {"name": "Ada Lovelace"}))
    assert retitled.title == "Call with Ada Lovelace (c-9)"
    notes = list(session.tabs.values())[2]
    core.set_tab_title("alpha", notes.id, "", parameters=_call("", {"name": "Bo"}))
    assert notes.title == "Notes for Bo"
    plain = core.create_session("alpha", "agent-1", context={"topic": "one"}, template=_call("plain"))
    core.update_session_context("alpha", plain.id, set_entries={"topic": "two"}, remove=[])
    assert core.set_session_title("alpha", plain.id, "", parameters=_call("")).title == "{literal} two"
    literal = core.create_session("alpha", "agent-1", title="Literal")
    with pytest.raises(InvalidArgument) as bad:
        core.set_session_title("alpha", literal.id, "", parameters=_call("", {"name": "x"}))
    assert bad.value.field == "template_parameters"


def test_notification_template_fields_skip_empty_values_and_keep_literal_text() -> None:
    core = _core()
    toast = core.notify(
        "alpha", "agent-1", ToastSpec(template=_call("incoming", {"name": "Ada", "from": "+1555", "tier": "gold"}))
    )
    assert toast.title == "Call from Ada"
    assert toast.fields == (("Number", "+1555"), ("Note", "VIP {gold}"))
    assert (toast.timeout_seconds, toast.accept_label, toast.reject_label, toast.icon, toast.template) == (
        45,
        "Answer",
        "Decline",
        "phone",
        "incoming",
    )


def test_unknown_templates_and_mixed_forms_are_refused_without_change() -> None:
    core = _core()
    for attempt in (
        lambda: core.create_session("alpha", "agent-1", template=_call("nope")),
        lambda: core.notify("alpha", "agent-1", ToastSpec(template=_call("nope"))),
        lambda: core.create_tab(
            "alpha", core.create_session("alpha", "agent-1", title="S").id, None, template=_call("nope")
        ),
    ):
        with pytest.raises(TemplateNotFound) as missing:
            attempt()
        assert missing.value.reason is ErrorReason.TEMPLATE_NOT_FOUND and missing.value.metadata["template"] == "nope"
    with pytest.raises(InvalidArgument) as mixed:
        core.create_session("alpha", "agent-1", title="Literal", template=_call("plain"))
    assert mixed.value.field == "title"
    with pytest.raises(InvalidArgument) as mixed_toast:
        core.notify("alpha", "agent-1", ToastSpec(title="Literal", template=_call("incoming")))
    assert mixed_toast.value.field == "title"
    assert core.workspace("agent-1").open_session_count == 1


def test_the_panel_mode_applies_when_the_session_first_gains_focus() -> None:
    core = _core()
    background = core.create_session("alpha", "agent-1", template=_call("call", {"name": "A", "customer_id": "1"}))
    assert core.workspace("agent-1").panel_mode is PanelMode.DOCKED
    core.switch_session("agent-1", background.id)
    assert core.workspace("agent-1").panel_mode is PanelMode.MINIMIZED
    core.set_panel_mode("agent-1", PanelMode.DOCKED)
    core.switch_session("agent-1", core.workspace("agent-1").home_id)
    core.switch_session("agent-1", background.id)
    assert core.workspace("agent-1").panel_mode is PanelMode.DOCKED
    focused = core.create_session(
        "alpha",
        "agent-1",
        consent_notification_id=accepted(core, "alpha"),
        template=_call("call", {"customer_id": "2"}),
    )
    assert focused.title == "Call with  (2)" and core.workspace("agent-1").panel_mode is PanelMode.MINIMIZED


RULES = [
    # (text, scope, expected, unfilled) — one row per rule of docs/templates.md
    ("Call {name}", {"values": {"name": "Ada"}}, "Call Ada", []),
    ("{name}", {"scoped": {"name": "tab"}, "values": {"name": "call"}, "context": {"name": "ctx"}}, "tab", []),
    ("{name}", {"values": {"name": "call"}, "context": {"name": "ctx"}}, "call", []),
    ("{name}", {"context": {"name": "ctx"}}, "ctx", []),
    ("{session.name}", {"values": {"name": "call"}, "context": {"name": "ctx"}}, "ctx", []),
    ("{session.name}", {"values": {"name": "call"}}, "", ["session.name"]),
    ("{anchor.entity_id}", {"anchor": {"entity_id": "c-1"}, "values": {"entity_id": "x"}}, "c-1", []),
    ("{anchor.title}", {"values": {"anchor.title": "x"}}, "", ["anchor.title"]),
    ("{{name}} is {name}", {"values": {"name": "Ada"}}, "{name} is Ada", []),
    ("}}{{", {}, "}{", []),
    ("a {gone} b", {}, "a  b", ["gone"]),
    ("{x}", {"values": {"x": "{y}"}, "context": {"y": "no"}}, "{y}", []),
    ("{a.b}", {"values": {"a.b": "dotted key"}}, "dotted key", []),
]


@pytest.mark.parametrize(("text", "scope", "expected", "missing"), RULES, ids=[r[0] for r in RULES])
def test_the_resolution_rules_case_by_case(
    text: str, scope: dict[str, dict[str, str]], expected: str, missing: list[str]
) -> None:
    rendered, unfilled = TemplateCatalog().render(text, Scope("t", **scope))
    assert (rendered, unfilled) == (expected, missing)


@pytest.mark.parametrize("text", ["{", "}", "a {b", "{b c}", "{" + "x" * 129 + "}", "{}"])
def test_a_stray_brace_or_bad_name_is_a_syntax_error_when_loaded(text: str) -> None:
    with pytest.raises(ValueError, match="unmatched"):
        SessionTemplate(name="bad", title=text)
