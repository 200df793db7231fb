"""The errors a provider or agent client can get from a channelkit host.

Every error the host sends is a canonical gRPC status plus a
``google.rpc.ErrorInfo`` whose reason is one of :class:`ErrorReason`. The SDK
turns it into one of the exceptions below, so vendors catch
:class:`SessionNotFound` or :class:`LimitReached` rather than a transport
error. The host core raises the same classes, so both sides share one
vocabulary. This module imports nothing from gRPC on purpose.
"""

from __future__ import annotations

from enum import IntEnum
from enum import StrEnum
from typing import ClassVar

ERROR_DOMAIN = "channelkit"


class ErrorCode(IntEnum):
    """Canonical status codes, numbered as ``google.rpc.Code``."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16


class ErrorReason(StrEnum):
    """``ErrorInfo.reason`` values of the "channelkit" domain (errors.proto)."""

    MISSING_CREDENTIALS = "MISSING_CREDENTIALS"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    CREDENTIALS_NOT_ALLOWED = "CREDENTIALS_NOT_ALLOWED"
    CROSS_SITE_REQUEST = "CROSS_SITE_REQUEST"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    UNKNOWN_METHOD = "UNKNOWN_METHOD"
    INVALID_FIELD = "INVALID_FIELD"
    REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
    PROTOCOL_VERSION_UNSUPPORTED = "PROTOCOL_VERSION_UNSUPPORTED"
    AGENT_NOT_FOUND = "AGENT_NOT_FOUND"
    SESSION_NOT_FOUND = "SESSION_NOT_FOUND"
    TAB_NOT_FOUND = "TAB_NOT_FOUND"
    NOTIFICATION_NOT_FOUND = "NOTIFICATION_NOT_FOUND"
    ACTION_NOT_FOUND = "ACTION_NOT_FOUND"
    PROVIDER_NOT_FOUND = "PROVIDER_NOT_FOUND"
    TEMPLATE_NOT_FOUND = "TEMPLATE_NOT_FOUND"
    SESSION_LIMIT_REACHED = "SESSION_LIMIT_REACHED"
    TAB_LIMIT_REACHED = "TAB_LIMIT_REACHED"
    RATE_LIMITED = "RATE_LIMITED"
    SLOW_CONSUMER = "SLOW_CONSUMER"
    TRANSCRIPT_LIMIT_REACHED = "TRANSCRIPT_LIMIT_REACHED"
    HOME_SESSION = "HOME_SESSION"
    ANCHOR_TAB = "ANCHOR_TAB"
    TAB_NOT_CLOSABLE = "TAB_NOT_CLOSABLE"
    NOT_ACTIVE_PROVIDER = "NOT_ACTIVE_PROVIDER"
    CONSENT_REQUIRED = "CONSENT_REQUIRED"
    CURSOR_EXPIRED = "CURSOR_EXPIRED"
    NOTIFICATION_RESOLVED = "NOTIFICATION_RESOLVED"
    NO_CLICK_TO_ACT_PROVIDER = "NO_CLICK_TO_ACT_PROVIDER"
    STREAM_REPLACED = "STREAM_REPLACED"
    PROVIDER_DISABLED = "PROVIDER_DISABLED"
    ACTION_DISABLED = "ACTION_DISABLED"
    NOT_A_TRANSCRIPT_TAB = "NOT_A_TRANSCRIPT_TAB"
    SHUTTING_DOWN = "SHUTTING_DOWN"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    HOST_UNREACHABLE = "HOST_UNREACHABLE"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    PROVIDER_NOT_QUARANTINED = "PROVIDER_NOT_QUARANTINED"


class ChannelkitError(Exception):
    """Base of every error a channelkit host reports.

    ``reason`` is machine-readable and stable; ``message`` is for developers;
    ``metadata`` repeats every dynamic part of the message; ``field`` names the
    offending request field of an INVALID_ARGUMENT error; ``retry_after`` (in
    seconds) is set when waiting will help.
    """

    code: ClassVar[ErrorCode] = ErrorCode.UNKNOWN
    default_reason: ClassVar[ErrorReason | None] = None
    also_reasons: ClassVar[tuple[ErrorReason, ...]] = ()
    """Further reasons that mean this class (LimitReached: every kind of limit)."""

    def __init__(
        self,
        message: str,
        *,
        reason: ErrorReason | None = None,
        metadata: dict[str, str] | None = None,
        field: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        chosen = reason or self.default_reason
        if chosen is None:
            raise TypeError(f"{type(self).__name__} needs an explicit reason")
        self.message = message
        self.reason = chosen
        self.metadata = dict(metadata or {})
        self.field = field
        self.retry_after = retry_after

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, reason={self.reason.value})"


class InvalidArgument(ChannelkitError):
    """A request field is missing, malformed or out of range (``field`` says which)."""

    code = ErrorCode.INVALID_ARGUMENT
    default_reason = ErrorReason.INVALID_FIELD


class NotFound(ChannelkitError):
    """The thing named does not exist for the caller (or belongs to someone else)."""

    code = ErrorCode.NOT_FOUND


class AgentNotFound(NotFound):
    """The agent does not exist or the provider does not serve it."""

    default_reason = ErrorReason.AGENT_NOT_FOUND


class SessionNotFound(NotFound):
    """No open session of the caller has this id."""

    default_reason = ErrorReason.SESSION_NOT_FOUND


class TabNotFound(NotFound):
    """No tab in the caller's open sessions has this id."""

    default_reason = ErrorReason.TAB_NOT_FOUND


class NotificationNotFound(NotFound):
    """No pending notification of the caller has this id or token."""

    default_reason = ErrorReason.NOTIFICATION_NOT_FOUND


class ActionNotFound(NotFound):
    """The session has no action button with this id."""

    default_reason = ErrorReason.ACTION_NOT_FOUND


class TemplateNotFound(NotFound):
    """No session, tab or notification template has this name."""

    default_reason = ErrorReason.TEMPLATE_NOT_FOUND


class PermissionDenied(ChannelkitError):
    """The credentials are valid but may not call this service."""

    code = ErrorCode.PERMISSION_DENIED
    default_reason = ErrorReason.CREDENTIALS_NOT_ALLOWED


class Unauthenticated(ChannelkitError):
    """No credentials, or credentials the host does not know."""

    code = ErrorCode.UNAUTHENTICATED
    default_reason = ErrorReason.INVALID_CREDENTIALS


class ResourceExhausted(ChannelkitError):
    """A limit or quota was hit."""

    code = ErrorCode.RESOURCE_EXHAUSTED


class LimitReached(ResourceExhausted):
    """A session, tab or transcript limit was reached; close something (or open a new tab) first."""

    also_reasons = (
        ErrorReason.SESSION_LIMIT_REACHED,
        ErrorReason.TAB_LIMIT_REACHED,
        ErrorReason.TRANSCRIPT_LIMIT_REACHED,
    )


class RateLimited(ResourceExhausted):
    """The provider sent requests too fast; retry after ``retry_after`` seconds."""

    default_reason = ErrorReason.RATE_LIMITED


class FailedPrecondition(ChannelkitError):
    """The request is valid but the current state does not allow it."""

    code = ErrorCode.FAILED_PRECONDITION


class NotActiveProvider(FailedPrecondition):
    """Only the active provider may do this (panel mode and width)."""

    default_reason = ErrorReason.NOT_ACTIVE_PROVIDER


class ConsentRequired(FailedPrecondition):
    """The host requires an accepted notification before a session is created."""

    default_reason = ErrorReason.CONSENT_REQUIRED


class CursorExpired(FailedPrecondition):
    """The event cursor is older than what the host retains; re-list and resume."""

    default_reason = ErrorReason.CURSOR_EXPIRED


class Aborted(ChannelkitError):
    """The operation was superseded (for example a replaced event stream)."""

    code = ErrorCode.ABORTED


class Unavailable(ChannelkitError):
    """The host cannot serve now (shutting down, unreachable); retry later."""

    code = ErrorCode.UNAVAILABLE
    default_reason = ErrorReason.SHUTTING_DOWN


class Internal(ChannelkitError):
    """An unexpected host error; ``metadata['incidentId']`` finds it in the host's log."""

    code = ErrorCode.INTERNAL
    default_reason = ErrorReason.INTERNAL_ERROR


def _classes(base: type[ChannelkitError]) -> list[type[ChannelkitError]]:
    found = []
    for cls in base.__subclasses__():
        found += [cls, *_classes(cls)]
    return found


_BY_REASON: dict[ErrorReason, type[ChannelkitError]] = {
    reason: cls
    for cls in _classes(ChannelkitError)
    for reason in (cls.default_reason, *cls.also_reasons)
    if reason is not None
}
"""The class a reason names, from each class's ``default_reason`` (and ``also_reasons``)."""
_BY_CODE: dict[ErrorCode, type[ChannelkitError]] = {
    cls.code: cls for cls in _classes(ChannelkitError) if "code" in vars(cls)
}
"""The class each status code stands for: the one that sets it."""


def error_class(code: ErrorCode, reason: ErrorReason | None) -> type[ChannelkitError]:
    """The most specific exception class for a status code and ``ErrorInfo`` reason.

    The reason decides when it names a specific class whose code agrees;
    otherwise the code does, and a code outside the table becomes
    :class:`Unavailable` (transport trouble) or :class:`Internal`.
    """
    by_reason = _BY_REASON.get(reason) if reason is not None else None
    if by_reason is not None and by_reason.code == code:
        return by_reason
    if code in _BY_CODE:
        return _BY_CODE[code]
    return Unavailable if code in (ErrorCode.DEADLINE_EXCEEDED, ErrorCode.CANCELLED) else Internal
