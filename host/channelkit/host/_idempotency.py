"""Idempotent provider mutations (rule R11): the call a ``request_id`` names, and its replay.

A mutating call with a ``request_id`` takes effect once per provider and id.
The record of it (the method, a fingerprint of the request, the response) is
committed in the same transaction as the call's changes, so a retry after a
lost reply, a host restart or on another replica gets the first response back
and changes nothing; the same id with a different request is refused. A call
that failed changed nothing and left no record, so it may run again. Records
expire after ``limits.idempotency_window_seconds``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from channelkit.host.store import IdempotencyRecord
from channelkit.sdk import limits
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.runtime.rpcs import Rpc


def fingerprint(request: Message) -> bytes:
    """The request's deterministic bytes without its ``request_id``."""
    copy = type(request)()
    copy.CopyFrom(request)
    copy.ClearField("request_id")
    return copy.SerializeToString(deterministic=True)


@dataclass(frozen=True, slots=True)
class Call:
    """The idempotent call being served: who, which ``request_id``, which RPC, which request."""

    caller: str
    request_id: str
    rpc: Rpc[Any, Any]
    fingerprint: bytes

    @classmethod
    def of(cls, caller: str, rpc: Rpc[Any, Any], request: Message) -> Call | None:
        """The call ``request`` makes, or None when it names no ``request_id`` (then nothing is remembered)."""
        request_id: str = getattr(request, "request_id", "")
        if not request_id:
            return None
        if len(request_id) > limits.ID_MAX:
            raise InvalidArgument(
                f"invalid request_id: must be at most {limits.ID_MAX} characters (got {len(request_id)})",
                field="request_id",
                metadata={"field": "request_id"},
            )
        return cls(caller, request_id, rpc, fingerprint(request))

    def record(self, response: Message, expires_at: float) -> IdempotencyRecord:
        """What the store keeps of this call once it took effect."""
        return IdempotencyRecord(
            self.caller, self.request_id, self.rpc.path, self.fingerprint, response.SerializeToString(), expires_at
        )

    def replay(self, record: IdempotencyRecord) -> Message:
        """The first call's response for this retry; REQUEST_ID_REUSED when the id named another request."""
        if record.method != self.rpc.path or record.fingerprint != self.fingerprint:
            raise InvalidArgument(
                f"request_id '{self.request_id}' was already used for a different request",
                reason=ErrorReason.REQUEST_ID_REUSED,
                field="request_id",
                metadata={"requestId": self.request_id},
            )
        response: Message = self.rpc.response.FromString(record.response)
        return response


current_call: ContextVar[Call | None] = ContextVar("channelkit_call", default=None)
"""The idempotent call the current RPC makes (set by the service binding, read by the runtime)."""
