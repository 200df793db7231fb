"""The typed registry that ``channelkit_register_providers`` fills.

Plugins contribute provider *classes*; the registry validates each one when it
is added, so a mistake surfaces while the plugin loads, with the plugin's name
in the message, instead of later as a silent no-op.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from channelkit.sdk.limits import CHANNEL_MAX
from channelkit.sdk.limits import PROVIDER_NAME_PATTERN
from channelkit.sdk.provider import Provider

PROVIDER_NAME = re.compile(PROVIDER_NAME_PATTERN)


class RegistrationError(Exception):
    """A plugin registered something the host cannot run; the message names the plugin."""


@dataclass(frozen=True, slots=True)
class Registration:
    """One registered provider class and the plugin that registered it."""

    provider: type[Provider]
    plugin: str


class ProviderRegistry:
    """Provider classes by name, each remembered with the plugin that added it."""

    def __init__(self) -> None:
        self._entries: dict[str, Registration] = {}
        self._plugin = "(unnamed plugin)"

    def loading(self, plugin: str) -> None:
        """Attribute the following :meth:`add` calls to ``plugin`` (called by the loader)."""
        self._plugin = plugin

    def add(self, provider: type[Provider]) -> None:
        """Register ``provider``, a :class:`Provider` subclass with a unique ``name``.

        Raises:
            RegistrationError: ``provider`` is not a Provider subclass, its
                ``name`` or ``channel`` is missing or malformed, or another
                registration already uses its name.
        """
        plugin = self._plugin
        if not (isinstance(provider, type) and issubclass(provider, Provider)) or provider is Provider:
            raise RegistrationError(
                f"plugin '{plugin}' registered {provider!r}, which is not a channelkit.sdk.Provider subclass"
            )
        name = getattr(provider, "name", "")
        if not isinstance(name, str) or not PROVIDER_NAME.fullmatch(name):
            raise RegistrationError(
                f"plugin '{plugin}' registered {provider.__qualname__} with name {name!r}; "
                "a name is 1-64 characters of a-z, 0-9, '-' and '_', starting with a letter or digit"
            )
        channel = getattr(provider, "channel", "")
        if not isinstance(channel, str) or not 0 < len(channel) <= CHANNEL_MAX:
            raise RegistrationError(
                f"plugin '{plugin}' registered {provider.__qualname__} without a channel (1-{CHANNEL_MAX} characters)"
            )
        existing = self._entries.get(name)
        if existing is not None:
            raise RegistrationError(
                f"plugin '{plugin}' registered provider '{name}' ({provider.__qualname__}), but plugin "
                f"'{existing.plugin}' already registered that name ({existing.provider.__qualname__})"
            )
        self._entries[name] = Registration(provider, plugin)

    def get(self, name: str) -> Registration | None:
        """The registration of provider ``name``, if any."""
        return self._entries.get(name)

    def registrations(self) -> list[Registration]:
        """Every registration, in the order they were added."""
        return list(self._entries.values())

    def names_from(self, plugin: str) -> list[str]:
        """The provider names ``plugin`` registered."""
        return [name for name, entry in self._entries.items() if entry.plugin == plugin]
