"""A plugin that registers something that is not a provider."""

from __future__ import annotations

from channelkit.sdk import ProviderRegistry
from channelkit.sdk import hookimpl


class NotAProvider:
    name = "not-a-provider"


@hookimpl
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    registry.add(NotAProvider)  # type: ignore[arg-type]
