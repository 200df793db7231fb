"""The host's template catalogue and analytics sinks, from plugins and the configuration.

Templates: each plugin's ``channelkit_default_templates`` first (a plugin whose
hook fails, or whose template clashes with an earlier plugin's, is reported
and the rest go on), then the configuration's, which win a name clash with a
logged notice. Then every session template's tabs must exist; the
configuration's mistakes stop the host, a plugin's only drop that template.

Sinks: plugins (and the host's own built-in plugin) offer kinds through
``channelkit_register_analytics_sinks``; only the kinds the configuration
names are built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from channelkit.host._hooks import failure
from channelkit.host._plugin_loader import LoadedPlugins
from channelkit.host._plugin_loader import load_plugins
from channelkit.host._plugin_loader import with_plugin_providers
from channelkit.host.analytics import _builtin
from channelkit.host.config import ConfigError
from channelkit.host.config import HostConfig
from channelkit.host.core import TemplateCatalog
from channelkit.sdk.analytics import AnalyticsSink
from channelkit.sdk.analytics import AnalyticsSinkRegistry
from channelkit.sdk.templates import NotificationTemplate
from channelkit.sdk.templates import SessionTemplate
from channelkit.sdk.templates import TabTemplate
from channelkit.sdk.templates import TemplateSet

log = logging.getLogger(__name__)
T = TypeVar("T", SessionTemplate, TabTemplate, NotificationTemplate)
_KINDS = ("sessions", "tabs", "notifications")
_CONFIG = "the configuration"


class _Merged:
    """Templates by kind and name, each with the source it came from."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, tuple[object, str]]] = {kind: {} for kind in _KINDS}

    def add_plugin_set(self, plugin: str, templates: TemplateSet, report: Callable[[str, str], None]) -> None:
        for kind in _KINDS:
            for template in getattr(templates, kind):
                earlier = self.entries[kind].get(template.name)
                if earlier is not None:
                    report(
                        plugin,
                        f"{kind[:-1]} template '{template.name}' is already defined by plugin "
                        f"'{earlier[1]}'; this plugin's is ignored",
                    )
                    continue
                self.entries[kind][template.name] = (template, plugin)

    def add_config(self, templates: TemplateSet) -> None:
        for kind in _KINDS:
            for template in getattr(templates, kind):
                earlier = self.entries[kind].get(template.name)
                if earlier is not None:
                    log.info(
                        "%s template %s: the configuration's definition replaces plugin %s's default",
                        kind[:-1],
                        template.name,
                        earlier[1],
                    )
                self.entries[kind][template.name] = (template, _CONFIG)


def build_templates(config: HostConfig, plugins: LoadedPlugins) -> TemplateCatalog:
    """Every template the host serves; ConfigError for a configuration mistake."""
    merged = _Merged()
    report = _reporter(plugins)
    for plugin, result, problem in plugins.hooks.default_templates():
        if problem:
            report(plugin, problem)
        elif result is not None:
            merged.add_plugin_set(plugin, result, report)
    merged.add_config(config.templates)
    tab_names = set(merged.entries["tabs"])
    for name, (template, source) in list(merged.entries["sessions"].items()):
        assert isinstance(template, SessionTemplate)
        unknown = [t for t in ([template.anchor] if template.anchor else []) + template.tabs if t not in tab_names]
        if not unknown:
            continue
        problem = f"session template '{name}' names unknown tab templates: {', '.join(unknown)}"
        if source == _CONFIG:
            index = [t.name for t in config.templates.sessions].index(name)
            raise ConfigError(f"{config.source}: templates.sessions[{index}]: {problem}")
        report(source, problem + "; the template is ignored")
        del merged.entries["sessions"][name]
    return TemplateCatalog(
        sessions=_of(merged, "sessions", SessionTemplate),
        tabs=_of(merged, "tabs", TabTemplate),
        notifications=_of(merged, "notifications", NotificationTemplate),
    )


def check_catalog(config: HostConfig) -> TemplateCatalog:
    """Load the plugins the configuration allows and check its templates and sinks, building nothing."""
    plugins = load_plugins(config.plugins)
    build_sinks(config, plugins, check_only=True)
    return build_templates(with_plugin_providers(config, plugins), plugins)


def _of(merged: _Merged, kind: str, cls: type[T]) -> list[T]:
    return [t for t, _ in merged.entries[kind].values() if isinstance(t, cls)]


def build_sinks(config: HostConfig, plugins: LoadedPlugins, *, check_only: bool = False) -> list[AnalyticsSink]:
    """The sinks ``[[analytics.sinks]]`` names; ConfigError for an unknown kind or bad options."""
    registry = AnalyticsSinkRegistry()
    report = _reporter(plugins)
    if not plugins.manager.is_registered(_builtin):
        plugins.manager.register(_builtin, name="channelkit-builtin")
    for call in plugins.hooks.register_analytics_sinks(registry):
        if call.error is not None:
            report(call.plugin, failure("channelkit_register_analytics_sinks", call.error))
    sinks: list[AnalyticsSink] = []
    for index, entry in enumerate(config.analytics.sinks):
        factory = registry.factory(entry.kind)
        where = f"{config.source}: analytics.sinks[{index}]"
        if factory is None:
            offered = ", ".join(registry.kinds()) or "none"
            raise ConfigError(f"{where}.kind: no plugin offers analytics sink kind '{entry.kind}' (offered: {offered})")
        if check_only:
            continue
        try:
            sinks.append(factory(entry.options()))
        except (ValueError, OSError) as exc:
            for sink in sinks:
                sink.close()
            raise ConfigError(f"{where}: {exc}") from None
    return sinks


def _reporter(plugins: LoadedPlugins) -> Callable[[str, str], None]:
    by_name = {status.name: status for status in plugins.statuses}

    def report(plugin: str, problem: str) -> None:
        log.error("plugin %s: %s", plugin, problem)
        status = by_name.get(plugin)
        if status is not None:
            status.error = f"{status.error}; {problem}" if status.error else f"plugin '{plugin}': {problem}"

    return report
