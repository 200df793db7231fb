"""Protobuf's JSON mapping both ways, and errors as JSON with the HTTP status of their gRPC code.

Using the canonical mapping (lowerCamelCase names, enum names, 64-bit
integers as strings) keeps one contract: a browser and a gRPC client see the
same messages. Errors carry the same ``google.rpc.Status`` the gRPC edge puts
in its trailer, in the shape Google's JSON APIs use (``{"error": {...}}``).
"""

from __future__ import annotations

import json

from google.protobuf import json_format
from google.protobuf.message import Message

from channelkit.host._errors import rich_status
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorCode
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument

HTTP_STATUS = {
    ErrorCode.CANCELLED: 499,
    ErrorCode.UNKNOWN: 500,
    ErrorCode.INVALID_ARGUMENT: 400,
    ErrorCode.DEADLINE_EXCEEDED: 504,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.ALREADY_EXISTS: 409,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.RESOURCE_EXHAUSTED: 429,
    ErrorCode.FAILED_PRECONDITION: 400,
    ErrorCode.ABORTED: 409,
    ErrorCode.OUT_OF_RANGE: 400,
    ErrorCode.UNIMPLEMENTED: 501,
    ErrorCode.INTERNAL: 500,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.DATA_LOSS: 500,
    ErrorCode.UNAUTHENTICATED: 401,
}
"""google.rpc.Code to HTTP, as the code's own documentation maps them."""


def http_status(error: ChannelkitError) -> int:
    """The HTTP status of ``error``'s canonical code."""
    return HTTP_STATUS.get(error.code, 500)


def to_json(message: Message) -> str:
    """``message`` in protobuf's JSON mapping, with every field present so clients need no defaults table."""
    return json_format.MessageToJson(message, indent=None, always_print_fields_with_no_presence=True)


def from_json(body: bytes, message: Message, method: str) -> Message:
    """Fill ``message`` from a JSON body; an empty body is the empty request."""
    try:
        json_format.Parse(body or b"{}", message)
    except json_format.ParseError as exc:
        raise InvalidArgument(
            f"request is not a valid {message.DESCRIPTOR.full_name} in protobuf's JSON mapping: {exc}",
            reason=ErrorReason.MALFORMED_REQUEST,
            metadata={"method": method},
        ) from None
    return message


def error_json(error: ChannelkitError) -> str:
    """The JSON body of ``error``: HTTP code, canonical status name, message and the rich details."""
    status = json_format.MessageToDict(rich_status(error))
    body = {
        "code": http_status(error),
        "status": error.code.name,
        "message": error.message,
        "details": status.get("details", []),
    }
    return json.dumps({"error": body})
