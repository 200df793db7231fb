"""A core with two agents and three providers on a manual clock."""

from __future__ import annotations

from channelkit.host.core import AgentInfo
from channelkit.host.core import Core
from channelkit.host.core import CoreSettings
from channelkit.host.core import ManualClock
from channelkit.host.core import ProviderInfo
from channelkit.host.core import TabSpec
from channelkit.host.core import TemplateCatalog
from channelkit.host.core import ToastSpec
from channelkit.host.core import events as ev
from channelkit.sdk import NotificationAction

PROVIDERS = ("alpha", "beta", "gamma")
TAB = TabSpec(title="Record", page_type=1, target="https://crm.example/1")


def make_core(templates: TemplateCatalog | None = None, **settings: object) -> tuple[Core, ManualClock]:
    clock = ManualClock()
    agents = [AgentInfo("agent-1", "One"), AgentInfo("agent-2", "Two")]
    providers = [
        ProviderInfo(name, name.title(), "chat", order, True, name == "alpha", frozenset({"agent-1", "agent-2"}))
        for order, name in enumerate(PROVIDERS)
    ]
    core = Core(agents, providers, CoreSettings(**settings), clock, templates=templates)  # type: ignore[arg-type]
    return core, clock


def accepted(core: Core, provider: str, agent: str = "agent-1") -> str:
    toast = core.notify(provider, agent, ToastSpec(title="Offer"))
    core.respond_to_notification(agent, toast.id, NotificationAction.ACCEPT)
    return toast.id


def to_provider(deliveries: list[ev.Delivery], provider: str) -> list[object]:
    return [d.payload for d in deliveries if isinstance(d, ev.ToProvider) and d.provider == provider]
