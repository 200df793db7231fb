"""The hooks a channelkit plugin may implement.

A plugin is a module (or object) named by an entry point of the group
``channelkit.providers``::

    [project.entry-points."channelkit.providers"]
    acme-voice = "acme_voice.plugin"

and implements hooks with :data:`channelkit.sdk.hookimpl`. Hooks run only when
plugins are registered and when the host starts or stops, never per event:
session data reaches a provider through its own event handlers, and only the
provider that owns the session gets it. Hooks are plain functions (pluggy
calls are synchronous); they must return quickly and must not block.

Call order in a host: ``channelkit_register_providers`` once per plugin while
plugins load (one plugin at a time, so one plugin's failure does not stop the
others), then ``channelkit_default_templates`` and
``channelkit_register_analytics_sinks`` once per plugin while the host builds
its catalogue of templates and its analytics sinks, then
``channelkit_host_started`` once the host serves, then
``channelkit_host_stopping`` when it begins to shut down.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from channelkit.sdk._markers import hookspec

if TYPE_CHECKING:
    from channelkit.sdk.analytics import AnalyticsSinkRegistry
    from channelkit.sdk.models import HostInfo
    from channelkit.sdk.registry import ProviderRegistry
    from channelkit.sdk.templates import TemplateSet

__all__ = [
    "channelkit_default_templates",
    "channelkit_host_started",
    "channelkit_host_stopping",
    "channelkit_register_analytics_sinks",
    "channelkit_register_providers",
]


# --- registration ---------------------------------------------------------------------------------


@hookspec
def channelkit_register_providers(registry: ProviderRegistry) -> None:
    """Register the provider classes this plugin ships.

    Called once for each plugin while the host loads plugins, before it serves.
    Call ``registry.add(ProviderClass)`` for each provider; the registry checks
    the class at once and raises :class:`~channelkit.sdk.registry.RegistrationError`
    naming this plugin for a class that is not a :class:`~channelkit.sdk.Provider`
    subclass, lacks a valid ``name`` or ``channel``, or reuses a name another
    plugin (or this one) already registered. An exception escaping this hook
    marks the plugin as failed; the host reports it in ``HostService.ListProviders``
    and goes on loading the other plugins.

    ``channelkit-provider run MODULE`` calls the same hook on ``MODULE`` to find
    the provider class it runs out of process.

    :param registry: collects the provider classes; see
        :class:`~channelkit.sdk.registry.ProviderRegistry`.
    :returns: nothing; contributions go through ``registry``.
    """


# --- templates and analytics sinks -----------------------------------------------------------------


@hookspec
def channelkit_default_templates() -> TemplateSet | None:
    """Contribute the session, tab and notification templates this plugin's providers use by default.

    Called once per plugin when the host builds its template catalogue, after
    plugins registered their providers. Name templates after the channel (for
    example ``telephony.call``) so they do not clash with another plugin's. The
    host configuration may define a template of the same name; the
    configuration wins and the host logs the override. A template that clashes
    with another plugin's is refused with an error naming both plugins. A
    plugin whose hook raises contributes nothing and is reported.

    :returns: a :class:`~channelkit.sdk.templates.TemplateSet`, or ``None``.
    """


@hookspec
def channelkit_register_analytics_sinks(sinks: AnalyticsSinkRegistry) -> None:
    """Offer kinds of analytics sink (for example a message-queue writer).

    Called once per plugin when the host starts. ``sinks.add("kind", factory)``
    offers a kind; the host uses it only when the configuration names it in an
    ``[[analytics.sinks]]`` entry, calling ``factory(options)`` with that
    entry's other keys. A sink receives every analytics event of every
    provider, which is why it is the integrator's choice, never a plugin's.

    :param sinks: collects sink kinds; see
        :class:`~channelkit.sdk.analytics.AnalyticsSinkRegistry`.
    :returns: nothing.
    """


# --- host lifecycle -------------------------------------------------------------------------------


@hookspec
def channelkit_host_started(info: HostInfo) -> None:
    """Learn that the host serves.

    Called once after every service is up and every in-process provider's
    ``on_start`` has been called. Use it for process-wide concerns (metrics,
    a log line); per-agent work belongs in a provider.

    :param info: the host's address and the providers it runs; see
        :class:`~channelkit.sdk.models.HostInfo`.
    :returns: nothing.
    """


@hookspec
def channelkit_host_stopping(info: HostInfo) -> None:
    """Learn that the host begins a graceful shutdown.

    Called once, before pending toasts are cancelled, event streams end and
    in-process providers' ``on_stop`` runs. Must return quickly: the host's
    shutdown grace keeps running.

    :param info: the same description ``channelkit_host_started`` received.
    :returns: nothing.
    """
