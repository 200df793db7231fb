"""Templates and analytics sinks in the host configuration: bad ones stop the host with file, key and reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from channelkit.host.cli import main

BASE = """
[plugins]
autoload = false

[[templates.tabs]]
name = "crm"
title = "Customer {name}"
page_type = "record"
parameters = { entity_name = "contact", entity_id = "{customer_id}" }

[[templates.sessions]]
name = "call"
title = "Call with {name}"
anchor = "crm"

[[templates.notifications]]
name = "incoming"
title = "Call from {name}"
timeout_seconds = 30
fields = [{ header = "Number", value = "{from}" }]
"""

BAD = [
    (
        "an unknown page type",
        '\n[[templates.tabs]]\nname = "web"\ntitle = "Web"\npage_type = "webpage"\n',
        "templates.tabs[1].page_type: Input should be 'url', 'custom', 'transcript' or 'record'",
    ),
    (
        "five notification fields",
        '\n[[templates.notifications]]\nname = "busy"\ntitle = "Busy"\nfields = ['
        + ", ".join('{ header = "H", value = "V" }' for _ in range(5))
        + "]\n",
        "templates.notifications[1].fields: List should have at most 4 items after validation, not 5",
    ),
    (
        "a timeout of 501",
        '\n[[templates.notifications]]\nname = "slow"\ntitle = "Slow"\ntimeout_seconds = 501\n',
        "templates.notifications[1].timeout_seconds: Input should be less than or equal to 500",
    ),
    (
        "a duplicate template name in one file",
        '\n[[templates.sessions]]\nname = "call"\ntitle = "Again"\n',
        "templates: sessions[1].name 'call' is used twice",
    ),
    (
        "a stray brace",
        '\n[[templates.sessions]]\nname = "odd"\ntitle = "Call {name"\n',
        "templates.sessions[1].title: unmatched '{' at character 6",
    ),
    (
        "a page type without its parameter",
        '\n[[templates.tabs]]\nname = "web"\ntitle = "Web"\npage_type = "url"\n',
        "templates.tabs[1]: page type 'url' needs parameters: url",
    ),
    (
        "a session naming a missing tab template",
        '\n[[templates.sessions]]\nname = "chat"\ntitle = "Chat"\nanchor = "transcript"\n',
        "templates.sessions[1]: session template 'chat' names unknown tab templates: transcript",
    ),
    (
        "an analytics sink kind nobody offers",
        '\n[[analytics.sinks]]\nkind = "kafka"\n',
        "analytics.sinks[0].kind: no plugin offers analytics sink kind 'kafka' (offered: jsonl)",
    ),
]


@pytest.mark.parametrize(("_what", "extra", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_template_or_sink_is_refused_at_startup_naming_file_key_and_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], _what: str, extra: str, expected: str
) -> None:
    path = tmp_path / "host.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    for command in (["serve", "--check-config", str(path)], ["serve", "--config", str(path)]):
        assert main(command) == 2
        assert f"{path}: {expected}" in capsys.readouterr().err


def test_good_templates_pass_the_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "host.toml"
    path.write_text(BASE + '\n[[analytics.sinks]]\nkind = "jsonl"\npath = "a.jsonl"\n', encoding="utf-8")
    assert main(["serve", "--check-config", str(path)]) == 0
    assert "1 session, 1 tab and 1 notification templates" in capsys.readouterr().out
    assert not (tmp_path / "a.jsonl").exists(), "checking builds no sink"


def test_bad_sink_options_name_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "host.toml"
    path.write_text(
        BASE + '\n[[analytics.sinks]]\nkind = "jsonl"\npath = "a.jsonl"\nmax_bytes = 10\n', encoding="utf-8"
    )
    assert main(["serve", "--config", str(path), "--address", "127.0.0.1:0"]) == 2
    assert (
        f"{path}: analytics.sinks[0]: max_bytes: Input should be greater than or equal to 1024"
        in capsys.readouterr().err
    )
