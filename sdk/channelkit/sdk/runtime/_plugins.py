"""Plugins through pluggy: the plugin manager, one plugin's hook call at a time, registration.

Every hook is called through pluggy (``subset_hook_caller``), so everything
pluggy documents holds: an implementation may take fewer arguments than the
spec, ``tryfirst``/``trylast`` order the calls, and hook wrappers wrap them.
The one channelkit rule on top: each plugin's implementation is called on its
own (with every hook wrapper around it), so one plugin's failure is reported
with its name and cannot silence another plugin. Both the host (for every
entry point) and ``channelkit-provider run`` (for the module named on the
command line) register plugins through :func:`register_plugin`.

``CHANNELKIT_TRACE_PLUGINS=1`` logs every hook call at DEBUG level
(``channelkit.plugins``), as pluggy's tracing prints it.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass

import pluggy

from channelkit.sdk import hookspecs
from channelkit.sdk._markers import PROJECT_NAME
from channelkit.sdk.registry import ProviderRegistry
from channelkit.sdk.registry import RegistrationError

TRACE_ENV = "CHANNELKIT_TRACE_PLUGINS"
log = logging.getLogger("channelkit.plugins")


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager that knows channelkit's hooks (and traces them when ``$CHANNELKIT_TRACE_PLUGINS`` is set)."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    if os.environ.get(TRACE_ENV):
        manager.trace.root.setwriter(lambda message: log.debug("%s", message.rstrip()))
        manager.enable_tracing()
    return manager


@dataclass(frozen=True, slots=True)
class HookCall:
    """One plugin's implementation of a hook, and what it returned or raised."""

    plugin: str
    result: object = None
    error: Exception | None = None


def each_plugin(
    manager: pluggy.PluginManager, hook: str, *, before: Callable[[str], None] | None = None, **kwargs: object
) -> Iterator[HookCall]:
    """Call ``hook`` once per plugin that implements it, in pluggy's call order, isolating failures.

    Each call keeps every hook wrapper and drops every other plugin's plain
    implementation, so a wrapper wraps each plugin's call. ``before`` hears
    each plugin's name first. Nothing is raised: a failure comes back as
    :attr:`HookCall.error`.
    """
    for impl in _plain(manager, hook):
        if before is not None:
            before(impl.plugin_name)
        try:
            results = caller_for(manager, hook, impl.plugin)(**kwargs)
        except Exception as exc:
            yield HookCall(impl.plugin_name, error=exc)
            continue
        yield HookCall(impl.plugin_name, results[0] if results else None)


def caller_for(manager: pluggy.PluginManager, hook: str, plugin: object) -> pluggy.HookCaller:
    """``hook`` as ``plugin`` alone implements it, inside every plugin's hook wrappers."""
    others = [impl.plugin for impl in _plain(manager, hook) if impl.plugin is not plugin]
    return manager.subset_hook_caller(hook, remove_plugins=others)


def _plain(manager: pluggy.PluginManager, hook: str) -> list[pluggy.HookImpl]:
    """The hook's non-wrapper implementations, in the order pluggy calls them."""
    impls: list[pluggy.HookImpl] = getattr(manager.hook, hook).get_hookimpls()
    return [impl for impl in reversed(impls) if not (impl.wrapper or impl.hookwrapper)]


def register_plugin(manager: pluggy.PluginManager, registry: ProviderRegistry, name: str, plugin: object) -> list[str]:
    """Register ``plugin`` under ``name`` and let it add its providers; return their names.

    Raises:
        RegistrationError: the plugin implements an unknown hook, has a hook
            with a wrong signature, registers nothing usable, or its hook raised.
    """
    try:
        if not manager.is_registered(plugin):  # a module the host already took in for an explicit class
            manager.register(plugin, name=name)
        manager.check_pending()
    except (pluggy.PluginValidationError, ValueError) as exc:
        manager.unregister(name=name)
        raise RegistrationError(f"plugin '{name}': {exc}") from None
    registry.loading(name)
    try:
        caller_for(manager, "channelkit_register_providers", plugin)(registry=registry)
    except RegistrationError:
        raise
    except Exception as exc:
        raise RegistrationError(
            f"plugin '{name}': channelkit_register_providers raised {type(exc).__name__}: {exc}"
        ) from exc
    return registry.names_from(name)


def load_module(module_name: str) -> tuple[ProviderRegistry, list[str]]:
    """Import ``module_name`` as a plugin and return its registry and provider names."""
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:
        raise RegistrationError(f"cannot import plugin module '{module_name}': {type(exc).__name__}: {exc}") from exc
    registry = ProviderRegistry()
    names = register_plugin(plugin_manager(), registry, module_name, module)
    if not names:
        raise RegistrationError(
            f"plugin module '{module_name}' registered no provider; "
            "implement channelkit_register_providers(registry) with @hookimpl and call registry.add(YourProvider)"
        )
    return registry, names
