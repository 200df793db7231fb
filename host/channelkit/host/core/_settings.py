"""Workspace-wide settings (presence, panel), click-to-act and analytics (R3, R8)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from channelkit.host.core import _events as ev
from channelkit.host.core import _validate as check
from channelkit.host.core._base import CoreBase
from channelkit.host.core._model import Workspace
from channelkit.sdk import PanelMode
from channelkit.sdk import limits
from channelkit.sdk.analytics import AnalyticsEvent
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import FailedPrecondition
from channelkit.sdk.errors import NotActiveProvider
from channelkit.v1 import provider_service_pb2 as pb


class SettingsOps(CoreBase):
    """Presence, panel mode and width, click-to-act, analytics."""

    # --- presence: any serving provider or the agent; everyone serving is told ----------

    def set_presence(self, agent_id: str, presence: str, *, provider: str | None = None) -> str:
        """Set the agent's presence (by the agent, or by ``provider`` if it serves the agent)."""
        if presence not in self.settings.presences:
            raise check.invalid("presence", f"must be one of {', '.join(self.settings.presences)}")
        ws = self._served_workspace(provider, agent_id) if provider else self._workspaces[agent_id]
        if presence != ws.presence:
            ws.presence = presence
            self._to_all_providers_of(agent_id, pb.PresenceChanged(presence=presence))
            self._settings_changed(ws)
        return presence

    def get_presence(self, provider: str, agent_id: str) -> str:
        """The agent's presence, for a provider serving it."""
        return self._served_workspace(provider, agent_id).presence

    # --- panel: only the active provider, or the agent --------------------------------------

    def set_panel_mode(self, agent_id: str, mode: int, *, provider: str | None = None) -> PanelMode:
        """Set the panel mode; a provider must be the active provider."""
        chosen = check.enum_value("mode", mode, PanelMode)
        self._set_panel_mode(self._panel_workspace(agent_id, provider), chosen)
        return chosen

    def set_panel_width(self, agent_id: str, width: int, *, provider: str | None = None) -> int:
        """Set the panel width (300–10000 px); a provider must be the active provider."""
        check.integer("width", width, low=limits.PANEL_WIDTH_MIN, high=limits.PANEL_WIDTH_MAX)
        ws = self._panel_workspace(agent_id, provider)
        if width != ws.panel_width:
            ws.panel_width = width
            self._panel_changed(ws)
        return width

    def panel(self, provider: str, agent_id: str) -> tuple[PanelMode, int]:
        """The agent's panel mode and width, for a provider serving it."""
        ws = self._served_workspace(provider, agent_id)
        return ws.panel_mode, ws.panel_width

    def _panel_workspace(self, agent_id: str, provider: str | None) -> Workspace:
        if provider is None:
            return self._workspaces[agent_id]
        ws = self._served_workspace(provider, agent_id)
        active = self.active_provider(agent_id)
        if active != provider:
            raise NotActiveProvider(
                "only the active provider (owner of the focused session; on Home the provider with the lowest "
                "channel order) may change the panel",
                metadata={"activeProvider": active or ""},
            )
        return ws

    def _settings_changed(self, ws: Workspace) -> None:
        self._to_agent(ws.agent_id, self._workspace_settings(ws))

    # --- click-to-act -----------------------------------------------------------------------

    def set_click_to_act(self, provider: str, enabled: bool) -> bool:
        """Switch click-to-act on or off for ``provider``."""
        self._enabled_provider(provider).click_to_act = enabled
        self._outbox.append(ev.ClickToActSwitched(provider, enabled))
        return enabled

    def get_click_to_act(self, provider: str) -> bool:
        """Whether ``provider`` receives click-to-act events."""
        return self._providers[provider].click_to_act

    def click_to_act(self, agent_id: str, click: pb.ClickToAct) -> str:
        """Route the agent's click to exactly one provider (R3) and return its name."""
        check.text("click.value", click.value, max_len=limits.CLICK_VALUE_MAX, required=True)
        for name in ("name", "format", "entity_name"):
            check.text(f"click.{name}", getattr(click, name), max_len=limits.ID_MAX)
        chosen = self._click_to_act_provider(agent_id)
        self._to_provider(chosen, agent_id, "", click)
        return chosen

    def _click_to_act_provider(self, agent_id: str) -> str:
        candidates = [p for p in self._by_order if p.enabled and p.click_to_act and agent_id in p.agents]
        if not candidates:
            raise FailedPrecondition(
                "no enabled provider serving this agent has click-to-act switched on",
                reason=ErrorReason.NO_CLICK_TO_ACT_PROVIDER,
                metadata={"agentId": agent_id},
            )
        active = self.active_provider(agent_id)
        return next((p.name for p in candidates if p.name == active), candidates[0].name)

    # --- analytics ----------------------------------------------------------------------------

    def log_analytics_event(
        self,
        provider: str,
        agent_id: str,
        *,
        session_id: str,
        name: str,
        reason: str,
        occurred_at: datetime | None,
        attributes: Mapping[str, str],
        correlation_id: str,
    ) -> AnalyticsEvent | None:
        """Record a provider's custom KPI event; None when the provider has analytics off.

        The event is enriched like a system event; without a correlation id it
        takes the session's.
        """
        check.text("name", name, max_len=limits.ANALYTICS_TEXT_MAX, required=True)
        check.text("reason", reason, max_len=limits.ANALYTICS_TEXT_MAX)
        check.text("correlation_id", correlation_id, max_len=limits.ID_MAX)
        attrs = check.string_map("attributes", attributes, limits.ANALYTICS_ATTRIBUTES)
        self._served_workspace(provider, agent_id)
        session = self._own_session(provider, session_id)[1] if session_id else None
        return self._record(
            provider,
            agent_id,
            name,
            reason=reason,
            session=session,
            attributes=attrs,
            kind="custom",
            occurred_at=occurred_at,
            correlation_id=correlation_id,
        )
