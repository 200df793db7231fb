"""The host configuration: TOML, validated by pydantic, with errors that name the key.

Every section has defaults, so ``channelkit serve`` runs with no file at all.
A problem is reported as ``FILE: key.path: what is wrong`` and the host does
not start; ``channelkit serve --check-config FILE`` runs the same checks only.
See ``docs/host-config.md`` for every key.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated
from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import PrivateAttr
from pydantic import ValidationError
from pydantic import model_validator

from channelkit.sdk import limits
from channelkit.sdk.limits import Setting
from channelkit.sdk.templates import TemplateSet

Sha256Hex = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 hex digest of a token")]
AgentId = Annotated[str, Field(pattern=f"^{limits.ID_PATTERN}$", max_length=limits.ID_MAX)]
ProviderName = Annotated[str, Field(pattern=f"^{limits.PROVIDER_NAME_PATTERN}$")]


def setting(limit: Setting[Any], description: str | None = None) -> Any:  # noqa: ANN401 - pydantic's Field
    """A configuration key whose default and range are :mod:`channelkit.sdk.limits`'s."""
    return Field(limit.default, ge=limit.low, le=limit.high, description=description)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ADDRESS_PATTERN = r"^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.\-]+):\d{1,5}$"


class ServerConfig(_Section):
    """Where and how the gRPC server listens."""

    address: str = Field("127.0.0.1:50051", pattern=ADDRESS_PATTERN)
    max_message_bytes: int = Field(1024 * 1024, ge=4096, le=64 * 1024 * 1024)
    max_concurrent_rpcs: int = Field(1024, ge=16, le=100_000)
    max_concurrent_streams: int = Field(64, ge=4, le=10_000)
    keepalive_time_seconds: float = Field(20.0, ge=1.0, le=7200.0)
    keepalive_timeout_seconds: float = Field(10.0, ge=1.0, le=600.0)
    stream_write_timeout_seconds: float = Field(10.0, gt=0.0, le=600.0)
    shutdown_grace_seconds: float = Field(5.0, ge=0.0, le=300.0)


class LimitsConfig(_Section):
    """Limits the host enforces; each one is reported to providers in Hello."""

    max_sessions: int = setting(limits.MAX_SESSIONS)
    max_tabs: int = setting(limits.MAX_TABS)
    attention_cooldown_seconds: float = setting(limits.ATTENTION_COOLDOWN_SECONDS)
    rate_limit_per_second: float = setting(limits.RATE_LIMIT_PER_SECOND)
    rate_limit_burst: int = setting(limits.RATE_LIMIT_BURST)
    event_retention: int = setting(limits.EVENT_RETENTION)
    watch_queue: int = setting(limits.WATCH_QUEUE)
    workspace_retention: int = setting(limits.WORKSPACE_RETENTION)
    default_notification_timeout_seconds: int = setting(limits.NOTIFICATION_TIMEOUT_SECONDS)
    idempotency_window_seconds: float = setting(limits.IDEMPOTENCY_WINDOW_SECONDS)
    analytics_retention: int = setting(limits.ANALYTICS_RETENTION)
    max_transcript_entries: int = setting(limits.MAX_TRANSCRIPT_ENTRIES)


class PolicyConfig(_Section):
    """Policies: consent (rule R5) and the presences agents may choose from."""

    consent: Literal["background", "required"] = "background"
    presences: list[str] = Field(default_factory=lambda: list(limits.PRESENCES), min_length=1)

    @model_validator(mode="after")
    def _unique_presences(self) -> PolicyConfig:
        if len(set(self.presences)) != len(self.presences) or any(not p.strip() for p in self.presences):
            raise ValueError("presences must be distinct, non-empty texts")
        return self


class ConsoleConfig(_Section):
    """The web console the host serves, and how the agent's client presents what providers open."""

    enabled: bool = True
    address: str = Field("127.0.0.1:8080", pattern=ADDRESS_PATTERN)
    sign_in_hours: float = Field(12.0, gt=0.0, le=24.0 * 30)
    secure_cookie: bool = False
    max_sign_ins: int = Field(1000, ge=1, le=1_000_000)
    keepalive_seconds: float = Field(15.0, ge=1.0, le=300.0)

    record_url: str = Field(
        limits.RECORD_URL,
        description="link of a RECORD tab; {entity_name} and {entity_id} are replaced, URL-encoded",
    )

    @model_validator(mode="after")
    def _absolute_http_template(self) -> ConsoleConfig:
        if not self.record_url.startswith(("http://", "https://")) or "{entity_id}" not in self.record_url:
            raise ValueError("record_url must be an http(s) URL containing {entity_id} (and usually {entity_name})")
        return self


class NotificationsConfig(_Section):
    """The toast queue of each workspace: one toast shown, the rest waiting in arrival order."""

    queue_limit: int = setting(limits.TOAST_QUEUE_LIMIT, "toasts that may wait; one more is rejected at once")
    queue_time_limit_seconds: float = setting(limits.TOAST_QUEUE_SECONDS, "longest wait before rejection")
    gap_seconds: float = setting(limits.TOAST_GAP_SECONDS, "pause between one toast ending and the next")


class AnalyticsSinkConfig(BaseModel):
    """One analytics sink: ``kind`` names a built-in or plugin-offered kind; other keys are its options."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str = Field(min_length=1, max_length=limits.CHANNEL_MAX)

    def options(self) -> dict[str, Any]:
        """The entry's keys besides ``kind``."""
        return dict(self.model_extra or {})


class AnalyticsConfig(_Section):
    """Where channel analytics go (the host always keeps the last ``limits.analytics_retention`` in memory)."""

    sinks: list[AnalyticsSinkConfig] = Field(default_factory=list)


class PluginsConfig(_Section):
    """In-process providers: which entry points load and how their handlers are supervised."""

    autoload: bool = True
    blocked: list[str] = Field(default_factory=list)
    handler_timeout_seconds: float = Field(10.0, gt=0.0, le=3600.0)
    quarantine_after: int = Field(5, ge=1, le=1000)
    batch_size: int = Field(64, ge=1, le=10_000)


class StoreConfig(_Section):
    """Where the host keeps its state: workspaces, toasts, logs, idempotency keys, sign-ins (docs/operations.md)."""

    kind: Literal["sqlite", "postgres", "memory"] = "sqlite"
    path: str | None = Field(None, description="sqlite: the database file, relative to this configuration file")
    dsn: str | None = Field(None, min_length=1, description="postgres: a libpq connection string or URL")
    pool_size: int = Field(4, ge=1, le=100, description="postgres: connections each host keeps open")
    synchronous: Literal["normal", "full"] = Field(
        "normal", description="sqlite: normal survives a host crash; full also a power loss, at a cost per commit"
    )
    closed_session_retention_seconds: float = Field(3600.0, ge=0.0, le=30 * 86_400.0)

    @model_validator(mode="after")
    def _engine_settings(self) -> StoreConfig:
        if self.kind == "postgres" and not self.dsn:
            raise ValueError('kind = "postgres" needs dsn, for example dsn = "postgresql://channelkit@db/channelkit"')
        if self.kind != "postgres" and self.dsn:
            raise ValueError(f'dsn is only used with kind = "postgres" (kind is "{self.kind}")')
        if self.kind != "sqlite" and self.path:
            raise ValueError(f'path is only used with kind = "sqlite" (kind is "{self.kind}")')
        return self


class AdminConfig(_Section):
    """An operator allowed to call HostService."""

    name: str = Field(min_length=1, max_length=64)
    token_sha256: Sha256Hex


class AgentConfig(_Section):
    """An agent with a workspace."""

    id: AgentId
    display_name: str = Field("", max_length=limits.LABEL_MAX)
    token_sha256: Sha256Hex


class ProviderConfig(_Section):
    """A channel provider; ``token_sha256`` lets it connect remotely."""

    name: ProviderName
    label: str = Field("", max_length=limits.LABEL_MAX)
    channel: str = Field(min_length=1, max_length=limits.CHANNEL_MAX)
    channel_order: int = Field(100, ge=0, le=1000)
    enabled: bool = True
    click_to_act: bool = False
    agents: list[AgentId] | None = None
    token_sha256: Sha256Hex | None = None
    parameters: dict[str, str] = Field(default_factory=dict)
    enable_analytics: bool = True


class HostConfig(_Section):
    """The whole host configuration."""

    server: ServerConfig = Field(default_factory=ServerConfig)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    plugins: PluginsConfig = Field(default_factory=PluginsConfig)
    console: ConsoleConfig = Field(default_factory=ConsoleConfig)
    notifications: NotificationsConfig = Field(default_factory=NotificationsConfig)
    templates: TemplateSet = Field(default_factory=TemplateSet)
    analytics: AnalyticsConfig = Field(default_factory=AnalyticsConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    admins: list[AdminConfig] = Field(default_factory=list)
    agents: list[AgentConfig] = Field(default_factory=list)
    providers: list[ProviderConfig] = Field(default_factory=list)
    _source: str = PrivateAttr("configuration")
    _base_dir: Path | None = PrivateAttr(None)

    @property
    def source(self) -> str:
        """Where the configuration came from (a file name), for error messages."""
        return self._source

    @property
    def base_dir(self) -> Path | None:
        """The directory of the configuration file (relative paths in it start there), if it came from one."""
        return self._base_dir

    @model_validator(mode="after")
    def _consistent(self) -> HostConfig:
        _require_unique("agents", [a.id for a in self.agents], "id")
        _require_unique("providers", [p.name for p in self.providers], "name")
        _require_unique("admins", [a.name for a in self.admins], "name")
        known = {a.id for a in self.agents}
        for index, provider in enumerate(self.providers):
            unknown = sorted(set(provider.agents or ()) - known)
            if unknown:
                raise ValueError(f"providers[{index}].agents names unknown agents: {', '.join(unknown)}")
        hashes = [a.token_sha256 for a in self.admins] + [a.token_sha256 for a in self.agents]
        hashes += [p.token_sha256 for p in self.providers if p.token_sha256]
        if len(set(hashes)) != len(hashes):
            raise ValueError("every token_sha256 must be different: one token identifies exactly one caller")
        return self

    def agents_of(self, provider: ProviderConfig) -> list[str]:
        """The agent ids ``provider`` serves (all agents when it lists none)."""
        return list(provider.agents) if provider.agents is not None else [a.id for a in self.agents]


def _require_unique(section: str, values: list[str], key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ValueError(f"{section}[{index}].{key} '{value}' is used twice")
        seen.add(value)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file, the key and the problem."""


def _key_path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(top level)"


def parse_config(data: dict[str, Any], source: str) -> HostConfig:
    """Validate already-parsed TOML data; ``source`` names it in errors."""
    try:
        config = HostConfig.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{source}: {_key_path(e['loc'])}: {e['msg'].removeprefix('Value error, ')}"
            for e in exc.errors(include_url=False)
        ]
        raise ConfigError("\n".join(lines)) from None
    config._source = source
    return config


def load_config(path: Path) -> HostConfig:
    """Read and validate a TOML configuration file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    config = parse_config(data, str(path))
    config._base_dir = path.resolve().parent
    return config
