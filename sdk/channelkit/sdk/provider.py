"""The base class of every provider.

Subclass :class:`Provider`, set ``name`` and ``channel``, and override the
handlers for the events you care about; the rest do nothing. The class runs
unchanged in-process (loaded by the host through the ``channelkit.providers``
entry points) or out of process (``channelkit-provider run``): in both modes
the runtime calls ``on_start`` with a :class:`~channelkit.sdk.host.Host`, then
one handler per event, in ``seq`` order and one at a time, then ``on_stop``.

A handler should return promptly: the runtime gives each one a timeout
(``plugins.handler_timeout_seconds`` in-process) and counts a handler that
raises or runs past it as a fault. Long work belongs in tasks the provider
starts itself (and cancels in ``on_stop``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import ClassVar

if TYPE_CHECKING:
    from channelkit.sdk import events
    from channelkit.sdk.host import Host
    from channelkit.sdk.models import Session

__all__ = ["Provider"]


class Provider:
    """A channel provider: one instance per running provider.

    Class attributes describe it; ``label``, ``channel_order`` and
    ``click_to_act`` are defaults the host's configuration may override.
    """

    name: ClassVar[str]
    """Unique provider name: 1-64 of a-z, 0-9, '-' and '_'. Also its identity in the host."""
    channel: ClassVar[str]
    """Channel kind, for example "telephony", "sms" or "chat"."""
    label: ClassVar[str] = ""
    """Name shown to agents (defaults to ``name``)."""
    channel_order: ClassVar[int] = 100
    """Precedence 0-1000 when several providers could act; lower wins."""
    click_to_act: ClassVar[bool] = False
    """Whether the provider wants click-to-act events (for example outbound calls)."""

    # --- lifecycle --------------------------------------------------------------------------------

    async def on_start(self, host: Host) -> None:
        """Called once before any event; keep ``host`` to call the host later."""

    async def on_stop(self) -> None:
        """Called once when the runtime stops; cancel your own tasks here."""

    async def on_resync(self, sessions: list[Session]) -> None:
        """Called when events were lost (the resume cursor expired) with every open session of yours.

        The runtime re-lists the sessions and continues with the events that
        follow; reconcile your own state with ``sessions`` here.
        """

    # --- events -----------------------------------------------------------------------------------

    async def on_session_focus_changed(self, event: events.SessionFocusChanged) -> None:
        """One of your sessions gained or lost focus."""

    async def on_session_closed(self, event: events.SessionClosed) -> None:
        """The agent closed one of your sessions."""

    async def on_tab_focused(self, event: events.TabFocused) -> None:
        """The agent focused one of your tabs."""

    async def on_tab_closed(self, event: events.TabClosed) -> None:
        """The agent closed one of your tabs."""

    async def on_notification_resolved(self, event: events.NotificationResolved) -> None:
        """One of your toasts ended (``notify_event`` returns the same outcome)."""

    async def on_click_to_act(self, event: events.ClickToAct) -> None:
        """The agent clicked a click-to-act value and you were chosen to act."""

    async def on_presence_changed(self, event: events.PresenceChanged) -> None:
        """The presence of an agent you serve changed."""

    async def on_panel_changed(self, event: events.PanelChanged) -> None:
        """The panel mode or width of an agent you serve changed."""

    async def on_action_invoked(self, event: events.ActionInvoked) -> None:
        """The agent pressed one of your session's action buttons."""

    async def on_external_event(self, event: events.ExternalEvent) -> None:
        """An operator or test harness injected an outside event for you (``channelkit simulate``)."""
