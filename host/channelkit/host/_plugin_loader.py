"""Find provider plugins through their entry points, one at a time.

Each entry point of the ``channelkit.providers`` group is imported and asked to
register its providers on its own, so a plugin that fails to import or to
register is recorded (with the reason) and the others still load. The
result says, per plugin, what loaded and what did not; ``HostService.ListProviders``
shows it to operators.
"""

from __future__ import annotations

import importlib.metadata
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

import pluggy

from channelkit.host._hooks import HostHooks
from channelkit.host.config import HostConfig
from channelkit.host.config import PluginsConfig
from channelkit.host.config import ProviderConfig
from channelkit.sdk import ENTRY_POINT_GROUP
from channelkit.sdk import Provider
from channelkit.sdk import ProviderRegistry
from channelkit.sdk import RegistrationError
from channelkit.sdk.runtime import plugin_manager
from channelkit.sdk.runtime import register_plugin

log = logging.getLogger(__name__)


@dataclass
class PluginStatus:
    """One entry point and what became of it."""

    name: str
    value: str
    distribution: str = ""
    version: str = ""
    providers: list[str] = field(default_factory=list)
    error: str = ""
    blocked: bool = False


@dataclass
class LoadedPlugins:
    """Every provider class available in-process, and the story of each plugin."""

    registry: ProviderRegistry
    statuses: list[PluginStatus]
    manager: pluggy.PluginManager

    @property
    def hooks(self) -> HostHooks:
        """The typed facade through which the host calls every hook."""
        return HostHooks(self.manager)


def _status_of(entry_point: importlib.metadata.EntryPoint) -> PluginStatus:
    dist = entry_point.dist
    return PluginStatus(
        name=entry_point.name,
        value=entry_point.value,
        distribution=dist.metadata["Name"] if dist is not None else "",
        version=dist.version if dist is not None else "",
    )


def _load_one(
    manager: pluggy.PluginManager, registry: ProviderRegistry, entry_point: importlib.metadata.EntryPoint
) -> PluginStatus:
    status = _status_of(entry_point)
    try:
        plugin = entry_point.load()
    except BaseException as exc:  # a plugin's import may even call sys.exit; it must not stop the host
        if isinstance(exc, KeyboardInterrupt):
            raise
        status.error = f"plugin '{entry_point.name}': cannot import {entry_point.value}: {type(exc).__name__}: {exc}"
        log.error("%s", status.error)
        return status
    try:
        status.providers = register_plugin(manager, registry, entry_point.name, plugin)
    except RegistrationError as exc:
        status.error = str(exc)
        log.error("%s", status.error)
        return status
    log.info("plugin %s (%s %s) registered %s", status.name, status.distribution, status.version, status.providers)
    return status


def load_plugins(settings: PluginsConfig, explicit: Sequence[type[Provider]] = ()) -> LoadedPlugins:
    """Register ``explicit`` classes, then (with ``autoload``) every entry point not blocked.

    The module of an explicit class joins as a plugin too, so its default
    templates (``channelkit_default_templates``) come with it.
    """
    manager = plugin_manager()
    registry = ProviderRegistry()
    registry.loading("(given to the host)")
    for cls in explicit:
        registry.add(cls)
        module = sys.modules.get(cls.__module__)
        if module is not None and not manager.is_registered(module):
            manager.register(module, name=cls.__module__)
    statuses: list[PluginStatus] = []
    if settings.autoload:
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in settings.blocked:
                blocked = _status_of(entry_point)
                blocked.blocked = True
                statuses.append(blocked)
                log.info("plugin %s is blocked by plugins.blocked; not loaded", entry_point.name)
                continue
            statuses.append(_load_one(manager, registry, entry_point))
    return LoadedPlugins(registry, statuses, manager)


def class_defaults(cls: type[Provider]) -> dict[str, str | int | bool]:
    """The ``[[providers]]`` entry a provider class implies when the configuration does not name it."""
    return {
        "name": cls.name,
        "label": cls.label or cls.name,
        "channel": cls.channel,
        "channel_order": cls.channel_order,
        "click_to_act": cls.click_to_act,
    }


def with_plugin_providers(config: HostConfig, plugins: LoadedPlugins) -> HostConfig:
    """``config`` plus a provider entry for each registered class the configuration does not name.

    A configured provider keeps its settings; if it has a token it connects
    remotely and its installed class is not run in-process.
    """
    configured = {p.name for p in config.providers}
    added = [
        ProviderConfig.model_validate(class_defaults(entry.provider))
        for entry in plugins.registry.registrations()
        if entry.provider.name not in configured
    ]
    if not added:
        return config
    return config.model_copy(update={"providers": [*config.providers, *added]})


def in_process_classes(config: HostConfig, plugins: LoadedPlugins) -> list[type[Provider]]:
    """The classes to run in-process: registered, configured without a token, enabled."""
    chosen = []
    for provider in config.providers:
        entry = plugins.registry.get(provider.name)
        if entry is None or provider.token_sha256 is not None or not provider.enabled:
            continue
        chosen.append(entry.provider)
    return chosen


def missing_in_process(config: HostConfig, plugins: LoadedPlugins) -> list[str]:
    """Configured providers without a token whose class no plugin registered."""
    return [p.name for p in config.providers if p.token_sha256 is None and plugins.registry.get(p.name) is None]
