"""Turn a failed gRPC call into the matching :mod:`channelkit.sdk.errors` exception.

The host sends a ``google.rpc.Status`` trailer with an ``ErrorInfo`` (reason,
metadata), a ``BadRequest`` for field errors and a ``RetryInfo`` when waiting
helps. A failure without that trailer never reached the host's handlers
(connection refused, reset, deadline) and becomes :class:`Unavailable` with
reason ``HOST_UNREACHABLE``.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from channelkit.sdk.errors import ERROR_DOMAIN
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorCode
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import Unavailable
from channelkit.sdk.errors import error_class


def from_rpc_error(error: grpc.aio.AioRpcError) -> ChannelkitError:
    """The exception a provider sees for ``error``."""
    code = ErrorCode(error.code().value[0])
    try:
        status = rpc_status.from_call(error)
    except ValueError:
        status = None
    if status is None:
        return Unavailable(
            f"the host could not be reached: {error.code().name}: {error.details() or 'no details'}",
            reason=ErrorReason.HOST_UNREACHABLE,
            metadata={"grpcCode": error.code().name},
        )
    return _from_status(code, status)


def _from_status(code: ErrorCode, status: status_pb2.Status) -> ChannelkitError:
    reason: ErrorReason | None = None
    metadata: dict[str, str] = {}
    field: str | None = None
    retry_after: float | None = None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            if info.domain == ERROR_DOMAIN and info.reason in ErrorReason.__members__:
                reason = ErrorReason(info.reason)
            metadata = dict(info.metadata)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            field = bad.field_violations[0].field if bad.field_violations else None
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            retry_after = retry.retry_delay.ToNanoseconds() / 1e9
    cls = error_class(code, reason)
    return cls(
        status.message,
        reason=reason or cls.default_reason or ErrorReason.INTERNAL_ERROR,
        metadata=metadata,
        field=field,
        retry_after=retry_after,
    )
