"""The demo's world: one agent, one admin and the three reference providers, with fresh tokens.

Tokens are made for this run only and written (mode 0600) to the state
directory, so ``channelkit simulate`` and a person's own client can use them
while the demo runs.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from channelkit.host import tokens
from channelkit.host.config import HostConfig
from channelkit.host.config import parse_config
from channelkit.sdk import ENTRY_POINT_GROUP

AGENT_ID = "agent-1"
AGENT_NAME = "Avery Agent"
REFERENCE_PROVIDERS = ("telephony", "sms", "chat")
MODULES = {name: f"channelkit.reference_providers.{name}" for name in REFERENCE_PROVIDERS}
TRAFFIC = {
    "telephony": {"per_minute": "5", "max_call_seconds": "40", "answer_seconds": "1.5"},
    "sms": {"per_minute": "6"},
    "chat": {"per_minute": "6", "idle_seconds": "30"},
}


INCOMING_CALL: dict[str, Any] = {
    "name": "telephony.incoming",
    "title": "Call for Avery's desk",
    "icon": "phone",
    "fields": [
        {"header": "Caller", "value": "{name}"},
        {"header": "Number", "value": "{phone}"},
        {"header": "About", "value": "{topic}"},
    ],
    "timeout_seconds": 15,
    "accept_label": "Pick up",
    "reject_label": "Decline",
}
"""The demo's own version of the telephony provider's incoming-call toast: the configuration wins."""


@dataclass(frozen=True)
class DemoState:
    """Where the run's tokens live."""

    directory: Path
    tokens: dict[str, str]

    @property
    def analytics_file(self) -> Path:
        """The run's channel analytics (JSON Lines); ``channelkit analytics report`` reads it."""
        return self.directory / "analytics.jsonl"

    def token_file(self, who: str) -> Path:
        """The file holding ``who``'s token."""
        return self.directory / f"{who}.token"

    @classmethod
    def create(cls, directory: Path, *, remote: bool) -> DemoState:
        """Tokens for the agent, the admin and (remote) each provider, kept 0600 in ``directory``."""
        names = ["admin", AGENT_ID, *(REFERENCE_PROVIDERS if remote else ())]
        return cls(directory, tokens.kept_tokens(directory, names))


def demo_config(
    state: DemoState, *, remote: bool, seed: int, address: str, console_address: str = "127.0.0.1:0"
) -> HostConfig:
    """The host configuration: traffic on for every reference provider, remote ones with tokens."""
    providers: list[dict[str, Any]] = []
    for name in REFERENCE_PROVIDERS:
        entry: dict[str, Any] = {
            "name": name,
            "channel": "telephony" if name == "telephony" else name,
            "parameters": {"traffic": "on", "seed": str(seed), **TRAFFIC[name]},
        }
        if name == "telephony":
            entry["click_to_act"] = True
        if remote:
            entry["token_sha256"] = tokens.hash_token(state.tokens[name])
        providers.append(entry)
    data = {
        "server": {"address": address},
        "console": {"address": console_address},
        "agents": [
            {"id": AGENT_ID, "display_name": AGENT_NAME, "token_sha256": tokens.hash_token(state.tokens[AGENT_ID])}
        ],
        "admins": [{"name": "admin", "token_sha256": tokens.hash_token(state.tokens["admin"])}],
        "providers": providers,
        "limits": {"attention_cooldown_seconds": 2.0},
        "plugins": {"autoload": True, "blocked": other_plugins()},
        "templates": {"notifications": [INCOMING_CALL]},
        "analytics": {"sinks": [{"kind": "jsonl", "path": str(state.analytics_file)}]},
    }
    return parse_config(data, "channelkit demo")


def other_plugins() -> list[str]:
    """Every installed provider plugin besides the reference providers: the demo shows only those."""
    installed = {ep.name for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    return sorted(installed - set(REFERENCE_PROVIDERS))
