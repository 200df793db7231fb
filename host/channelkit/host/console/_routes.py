"""The console's HTTP routes: sign-in, the AgentService JSON API, the workspace stream, the page.

Every API request is authenticated here, by bearer token (scripts, tests) or
by the sign-in cookie (the page), and runs as that agent only: the agent id
comes from the credentials, never from the request, exactly as over gRPC.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse
from starlette.responses import Response
from starlette.responses import StreamingResponse
from starlette.routing import Mount
from starlette.routing import Route
from starlette.staticfiles import StaticFiles

from channelkit.host._app import HostApp
from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host._auth import authenticate
from channelkit.host._auth import bearer_token
from channelkit.host._errors import incident
from channelkit.host.config import ConsoleConfig
from channelkit.host.console._json import error_json
from channelkit.host.console._json import from_json
from channelkit.host.console._json import http_status
from channelkit.host.console._json import to_json
from channelkit.host.console._signin import COOKIE_NAME
from channelkit.host.console._signin import SignIns
from channelkit.host.console._stream import sse_events
from channelkit.sdk.errors import ChannelkitError
from channelkit.sdk.errors import ErrorReason
from channelkit.sdk.errors import InvalidArgument
from channelkit.sdk.errors import NotFound
from channelkit.sdk.errors import PermissionDenied
from channelkit.sdk.errors import Unauthenticated
from channelkit.sdk.runtime.rpcs import AgentService
from channelkit.v1 import agent_service_pb2 as pb

API_PREFIX = f"/api/{AgentService.descriptor.full_name}"
STATIC = Path(__file__).parent / "static"
Handler = Callable[[Request], Awaitable[Response]]
_SIGN_IN_FIRST = "sign in first: send 'authorization: Bearer <agent token>' or sign in on the console page"


def error_response(error: ChannelkitError) -> Response:
    """``error`` as its JSON body and HTTP status."""
    return Response(error_json(error), status_code=http_status(error), media_type="application/json")


class ConsoleRoutes:
    """The handlers, bound to one host."""

    def __init__(self, app: HostApp, settings: ConsoleConfig) -> None:
        self._app = app
        self._settings = settings
        self._tokens = app.tokens
        runtime = app.runtime
        self.sign_ins = SignIns(runtime.store, settings.sign_in_hours * 3600, settings.max_sign_ins, runtime.clock.time)
        self._max_body = app.config.server.max_message_bytes

    def starlette(self) -> Starlette:
        """The ASGI application."""
        routes = [
            Route("/", self.page, methods=["GET"]),
            Route("/api/signin", self.guarded(self.sign_in), methods=["POST"]),
            Route("/api/signout", self.guarded(self.sign_out), methods=["POST"]),
            Route(f"{API_PREFIX}/WatchWorkspace", self.guarded(self.watch), methods=["GET"]),
            Route(API_PREFIX + "/{method}", self.guarded(self.call), methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ]
        return Starlette(routes=routes)

    def guarded(self, handler: Handler) -> Handler:
        """``handler`` with the one error path: a ChannelkitError as JSON, anything else an incident."""

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except ChannelkitError as exc:
                return error_response(exc)
            except Exception as exc:
                return error_response(incident(exc, request.url.path))

        return run

    # --- the page ----------------------------------------------------------------------------

    async def page(self, _request: Request) -> Response:
        """The console page; no build step, the files are served as they are installed."""
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    # --- sign-in -------------------------------------------------------------------------------

    async def sign_in(self, request: Request) -> Response:
        """Check an agent token once and set the HttpOnly, SameSite=Strict sign-in cookie."""
        self._same_origin(request)
        body = await self._body(request)
        try:
            token = json.loads(body or b"{}").get("token", "")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token.strip():
            raise InvalidArgument('send {"token": "<agent token>"}', field="token")
        identity = authenticate(self._tokens, token.strip(), Role.AGENT, AgentService.descriptor.full_name)
        agent = next(a for a in self._app.config.agents if a.id == identity.name)
        response = Response(
            json.dumps({"agentId": agent.id, "displayName": agent.display_name or agent.id}),
            media_type="application/json",
        )
        response.set_cookie(
            COOKIE_NAME,
            await self.sign_ins.sign_in(identity),
            max_age=int(self.sign_ins.lifetime_seconds),
            path="/",
            httponly=True,
            samesite="strict",
            secure=self._settings.secure_cookie,
        )
        return response

    async def sign_out(self, request: Request) -> Response:
        """Revoke this browser's sign-in and clear its cookie."""
        self._same_origin(request)
        cookie = request.cookies.get(COOKIE_NAME)
        if cookie:
            await self.sign_ins.sign_out(cookie)
        response = Response(status_code=204)
        response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
        return response

    # --- AgentService --------------------------------------------------------------------------

    async def call(self, request: Request) -> Response:
        """One unary AgentService method, through the same binding as gRPC."""
        method = request.path_params["method"]
        rpc = AgentService.by_name.get(method)
        if rpc is None or rpc.streaming:
            raise NotFound(
                f"AgentService has no unary method '{method}' (WatchWorkspace is GET, as Server-Sent Events)",
                reason=ErrorReason.UNKNOWN_METHOD,
                metadata={"method": method},
            )
        identity = await self._identity(request, mutating=True)
        message = from_json(await self._body(request), rpc.request(), f"{API_PREFIX}/{method}")
        response = await self._app.agent_binding.invoke(identity, rpc, message)
        return Response(to_json(response), media_type="application/json", headers={"Cache-Control": "no-store"})

    async def watch(self, request: Request) -> Response:
        """WatchWorkspace as Server-Sent Events; ``Last-Event-ID`` (or ``after_seq``+``epoch``) resumes."""
        identity = await self._identity(request, mutating=False)
        watch = _resume_request(request)
        events = self._app.agent_servicer.events(identity.name, watch)
        stream = sse_events(events, self._settings.keepalive_seconds)
        headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream, media_type="text/event-stream", headers=headers)

    # --- checks --------------------------------------------------------------------------------

    async def _identity(self, request: Request, *, mutating: bool) -> Identity:
        header = request.headers.get("authorization")
        if header is not None:
            token = bearer_token([("authorization", header)])
            return authenticate(self._tokens, token, Role.AGENT, AgentService.descriptor.full_name)
        cookie = request.cookies.get(COOKIE_NAME)
        identity = await self.sign_ins.lookup(cookie) if cookie else None
        if identity is None:
            reason = ErrorReason.INVALID_CREDENTIALS if cookie else ErrorReason.MISSING_CREDENTIALS
            raise Unauthenticated(_SIGN_IN_FIRST, reason=reason)
        if mutating:
            self._same_origin(request)
        return identity

    def _same_origin(self, request: Request) -> None:
        """Refuse what a browser may send on another site's behalf (the cookie is SameSite=Strict too)."""
        origin = request.headers.get("origin")
        expected = f"{request.url.scheme}://{request.headers.get('host', '')}"
        if origin is not None and origin != expected:
            raise PermissionDenied(
                f"cross-site request refused: origin {origin} is not this console ({expected})",
                reason=ErrorReason.CROSS_SITE_REQUEST,
                metadata={"origin": origin},
            )
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if request.method == "POST" and content_type not in ("application/json", ""):
            raise PermissionDenied(
                f"send the body as application/json, not {content_type}",
                reason=ErrorReason.CROSS_SITE_REQUEST,
                metadata={"origin": origin or ""},
            )

    async def _body(self, request: Request) -> bytes:
        body = await request.body()
        if len(body) > self._max_body:
            raise InvalidArgument(
                f"the request body is {len(body)} bytes; at most {self._max_body} are accepted",
                field="body",
                metadata={"limit": str(self._max_body)},
            )
        return body


def _resume_request(request: Request) -> pb.WatchWorkspaceRequest:
    """The resume cursor: the browser's ``Last-Event-ID`` ("<epoch>.<seq>") wins over the query."""
    last = request.headers.get("last-event-id", "")
    epoch, _, seq = last.rpartition(".")
    if not (epoch and seq.isdigit()):
        epoch = request.query_params.get("epoch", "")
        seq = request.query_params.get("after_seq", "")
    watch = pb.WatchWorkspaceRequest(epoch=epoch)
    if seq:
        if not seq.isdigit():
            raise InvalidArgument(f"after_seq must be a sequence number, not {seq!r}", field="after_seq")
        watch.after_seq = int(seq)
    return watch
