"""Configuration: every problem names the file, the key and what is wrong; good files load."""

from __future__ import annotations

from pathlib import Path

import pytest

from channelkit.host.config import ConfigError
from channelkit.host.config import load_config

GOOD = """
[server]
address = "127.0.0.1:0"

[limits]
max_sessions = 5

[policy]
consent = "required"

[[agents]]
id = "agent-1"
display_name = "Ada"
token_sha256 = "{a}"

[[providers]]
name = "acme-voice"
channel = "telephony"
channel_order = 0
click_to_act = true
token_sha256 = "{p}"
[providers.parameters]
region = "eu"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "host.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_loads_with_defaults_filled_in(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, GOOD.format(a="a" * 64, p="b" * 64)))
    assert config.limits.max_sessions == 5 and config.limits.max_tabs == 10
    assert config.policy.consent == "required"
    assert config.agents_of(config.providers[0]) == ["agent-1"]
    assert config.providers[0].parameters == {"region": "eu"}


@pytest.mark.parametrize(
    ("replace", "with_", "expected"),
    [
        (
            "channel_order = 0",
            "channel_order = 1001",
            "providers[0].channel_order: Input should be less than or equal to 1000",
        ),
        ("max_sessions = 5", "max_sessions = 0", "limits.max_sessions: Input should be greater than or equal to 1"),
        ('consent = "required"', 'consent = "sometimes"', "policy.consent: Input should be 'background' or 'required'"),
        ('name = "acme-voice"', 'name = "Acme Voice"', "providers[0].name: String should match pattern"),
        (
            "click_to_act = true",
            "click_to_act = true\ncolour = 'red'",
            "providers[0].colour: Extra inputs are not permitted",
        ),
        ('token_sha256 = "{p}"', 'token_sha256 = "{a}"', "every token_sha256 must be different"),
        (
            'display_name = "Ada"',
            'display_name = "Ada"\nagents = 3',
            "agents[0].agents: Extra inputs are not permitted",
        ),
    ],
)
def test_problems_name_the_file_the_key_and_the_problem(
    tmp_path: Path, replace: str, with_: str, expected: str
) -> None:
    text = GOOD.replace(replace, with_).format(a="a" * 64, p="b" * 64)
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_unknown_agents_duplicates_and_bad_toml_are_reported(tmp_path: Path) -> None:
    text = GOOD.format(a="a" * 64, p="b" * 64) + '\n[[providers]]\nname = "acme-voice"\nchannel = "sms"\n'
    with pytest.raises(ConfigError, match=r"providers\[1\]\.name 'acme-voice' is used twice"):
        load_config(_write(tmp_path, text))
    text = GOOD.format(a="a" * 64, p="b" * 64).replace("click_to_act = true", 'agents = ["agent-9"]')
    with pytest.raises(ConfigError, match=r"providers\[0\]\.agents names unknown agents: agent-9"):
        load_config(_write(tmp_path, text))
    with pytest.raises(ConfigError, match=r"host.toml: not valid TOML: .*line 2"):
        load_config(_write(tmp_path, "[server]\naddress = \n"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")
