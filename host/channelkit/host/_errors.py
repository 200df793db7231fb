"""The one place where host errors become gRPC statuses.

Every failure leaves as a canonical code with a ``google.rpc.Status`` in the
trailer carrying an ``ErrorInfo`` (domain "channelkit"), plus ``BadRequest``
for field errors and ``RetryInfo`` when waiting helps (rule R9). Unexpected
exceptions become INTERNAL with an incident id; their text is logged, never
sent, because it could carry one provider's data to another.
"""

from __future__ import annotations

import logging
import uuid

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from google.rpc import status_pb2
from grpc_status import rpc_status

from channelkit.sdk.errors import ERROR_DOMAIN
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import Internal

log = logging.getLogger(__name__)


def to_grpc_status(error: ChannelkitError) -> grpc.Status:
    """Build the rich status for ``error``."""
    result: grpc.Status = rpc_status.to_status(rich_status(error))
    return result


def rich_status(error: ChannelkitError) -> status_pb2.Status:
    """The ``google.rpc.Status`` of ``error``: what gRPC sends in its trailer and the web console as JSON."""
    status = status_pb2.Status(code=int(error.code), message=error.message)
    info = error_details_pb2.ErrorInfo(reason=error.reason.value, domain=ERROR_DOMAIN, metadata=error.metadata)
    status.details.add().Pack(info)
    if error.field is not None:
        violation = error_details_pb2.BadRequest.FieldViolation(field=error.field, description=error.message)
        status.details.add().Pack(error_details_pb2.BadRequest(field_violations=[violation]))
    if error.retry_after is not None:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(int(error.retry_after * 1e9))
        status.details.add().Pack(error_details_pb2.RetryInfo(retry_delay=delay))
    return status


def incident(exc: BaseException, where: str) -> Internal:
    """Log an unexpected exception under a fresh incident id and return the error to send."""
    incident_id = uuid.uuid4().hex[:16]
    log.error("incident %s in %s", incident_id, where, exc_info=exc)
    return Internal(
        f"internal error; the host's log has the details under incident {incident_id}",
        metadata={"incidentId": incident_id},
    )


async def abort(context: grpc.aio.ServicerContext[object, object], error: ChannelkitError) -> None:
    """End the call with ``error``'s rich status."""
    status = to_grpc_status(error)
    await context.abort(status.code, status.details, status.trailing_metadata)
