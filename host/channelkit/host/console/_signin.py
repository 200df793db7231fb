"""Browser sign-ins: an opaque cookie value per sign-in, mapped to the agent whose token proved it.

The agent's token is checked once, at sign-in, and never stored in the
browser: the cookie holds a random value that only this host process knows,
so signing out (or restarting the host) revokes it. Sign-ins expire, and the
oldest are dropped past a bound, so memory never grows with abandoned tabs.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from channelkit.host._auth import Identity

COOKIE_NAME = "channelkit_console"


@dataclass(frozen=True, slots=True)
class _SignIn:
    identity: Identity
    expires_at: float


class SignIns:
    """The live sign-ins of one host."""

    def __init__(self, lifetime_seconds: float, limit: int, monotonic: Callable[[], float]) -> None:
        self._lifetime = lifetime_seconds
        self._limit = limit
        self._monotonic = monotonic
        self._by_cookie: OrderedDict[str, _SignIn] = OrderedDict()

    def sign_in(self, identity: Identity) -> str:
        """Record a sign-in of ``identity`` and return the cookie value that proves it."""
        cookie = secrets.token_urlsafe(32)
        self._by_cookie[cookie] = _SignIn(identity, self._monotonic() + self._lifetime)
        while len(self._by_cookie) > self._limit:
            self._by_cookie.popitem(last=False)
        return cookie

    def lookup(self, cookie: str) -> Identity | None:
        """The agent signed in with ``cookie``, unless it expired or was signed out."""
        found = self._by_cookie.get(cookie)
        if found is None:
            return None
        if found.expires_at <= self._monotonic():
            del self._by_cookie[cookie]
            return None
        return found.identity

    def sign_out(self, cookie: str) -> None:
        """Forget ``cookie``; later requests carrying it are unauthenticated."""
        self._by_cookie.pop(cookie, None)

    @property
    def lifetime_seconds(self) -> float:
        """How long a sign-in lasts (also the cookie's Max-Age)."""
        return self._lifetime
