"""A typed facade over the plugin manager's hooks: the only place the host calls a hook.

One method per hook of :mod:`channelkit.sdk.hookspecs` (in the style of tox's
plugin manager), so call sites are type-checked and the rest of the host never
touches pluggy's untyped ``pm.hook``. Each plugin's implementation is called
on its own through pluggy (see :func:`channelkit.sdk.runtime.each_plugin`):
fewer arguments, ``tryfirst``/``trylast`` and hook wrappers work as pluggy
documents them, and a plugin that raises is reported by name while the others
still run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pluggy

from channelkit.sdk.analytics import AnalyticsSinkRegistry
from channelkit.sdk.models import HostInfo
from channelkit.sdk.registry import RegistrationError
from channelkit.sdk.runtime import HookCall
from channelkit.sdk.runtime import each_plugin
from channelkit.sdk.templates import TemplateSet

log = logging.getLogger(__name__)


def failure(hook: str, error: Exception) -> str:
    """How a plugin's failed hook call is reported (a RegistrationError already says it in words)."""
    if isinstance(error, RegistrationError):
        return str(error)
    return f"{hook} raised {type(error).__name__}: {error}"


class HostHooks:
    """The channelkit hooks of one plugin manager."""

    def __init__(self, manager: pluggy.PluginManager) -> None:
        self.manager = manager

    def default_templates(self) -> Iterator[tuple[str, TemplateSet | None, str]]:
        """Each plugin's ``channelkit_default_templates``: its TemplateSet (or None), or the problem in words."""
        hook = "channelkit_default_templates"
        for call in each_plugin(self.manager, hook):
            if call.error is not None:
                yield call.plugin, None, failure(hook, call.error)
            elif call.result is None or isinstance(call.result, TemplateSet):
                yield call.plugin, call.result, ""
            else:
                yield call.plugin, None, f"{hook} returned {type(call.result).__name__}, not a TemplateSet"

    def register_analytics_sinks(self, sinks: AnalyticsSinkRegistry) -> Iterator[HookCall]:
        """Let each plugin offer its sink kinds (``sinks.loading`` names it first)."""
        yield from each_plugin(self.manager, "channelkit_register_analytics_sinks", before=sinks.loading, sinks=sinks)

    def host_started(self, info: HostInfo) -> None:
        """Tell every plugin the host serves (a failing plugin is logged; the others are still told)."""
        self._notify("channelkit_host_started", info)

    def host_stopping(self, info: HostInfo) -> None:
        """Tell every plugin the host begins to stop."""
        self._notify("channelkit_host_stopping", info)

    def _notify(self, hook: str, info: HostInfo) -> None:
        for call in each_plugin(self.manager, hook, info=info):
            if call.error is not None:
                log.error("plugin %s: hook %s raised; continuing", call.plugin, hook, exc_info=call.error)
