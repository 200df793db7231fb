"""Calling ``channelkit_register_providers`` on one plugin at a time.

Both the host (for every entry point) and ``channelkit-provider run`` (for the
module named on the command line) go through :func:`register_plugin`, so a
plugin is validated the same way wherever it runs.
"""

from __future__ import annotations

import importlib

import pluggy

from channelkit.sdk import hookspecs
from channelkit.sdk._markers import PROJECT_NAME
from channelkit.sdk.registry import ProviderRegistry
from channelkit.sdk.registry import RegistrationError


def plugin_manager() -> pluggy.PluginManager:
    """A plugin manager that knows channelkit's hooks."""
    manager = pluggy.PluginManager(PROJECT_NAME)
    manager.add_hookspecs(hookspecs)
    return manager


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
    caller = manager.subset_hook_caller("channelkit_register_providers", remove_plugins=_others(manager, plugin))
    try:
        caller(registry=registry)
    except RegistrationError:
        raise
    except Exception as exc:
        raise RegistrationError(
            f"plugin '{name}': channelkit_register_providers raised {type(exc).__name__}: {exc}"
        ) from exc
    return registry.names_from(name)


def _others(manager: pluggy.PluginManager, plugin: object) -> list[object]:
    return [p for p in manager.get_plugins() if p is not plugin]


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
