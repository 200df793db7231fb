"""Browser sign-ins: an opaque cookie value per sign-in, mapped to the agent whose token proved it.

The agent's token is checked once, at sign-in, and never stored in the
browser: the cookie holds a random value. The host keeps only its SHA-256
digest, in its store, so a sign-in survives a host restart and is valid on
every replica, and a copy of the store does not sign anyone in. Signing out
revokes it; sign-ins expire, and the oldest are dropped past a bound, so
abandoned tabs never add up.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import OrderedDict
from collections.abc import Callable

from channelkit.host._auth import Identity
from channelkit.host._auth import Role
from channelkit.host.store import SignIn
from channelkit.host.store import Store

COOKIE_NAME = "channelkit_console"


def _digest(cookie: str) -> str:
    return hashlib.sha256(cookie.encode()).hexdigest()


class SignIns:
    """The live sign-ins of one host, kept in its store."""

    def __init__(self, store: Store, lifetime_seconds: float, limit: int, time: Callable[[], float]) -> None:
        self._store = store
        self._lifetime = lifetime_seconds
        self._limit = limit
        self._time = time
        self._by_digest: OrderedDict[str, SignIn] = OrderedDict()

    async def load(self) -> None:
        """Take in the sign-ins the store kept (a restart keeps everyone signed in)."""
        kept = sorted(await self._store.sign_ins(), key=lambda s: s.expires_at)
        self._by_digest = OrderedDict((s.digest, s) for s in kept)

    async def sign_in(self, identity: Identity) -> str:
        """Record a sign-in of ``identity`` and return the cookie value that proves it."""
        cookie = secrets.token_urlsafe(32)
        entry = SignIn(_digest(cookie), identity.name, self._time() + self._lifetime)
        await self._store.save_sign_in(entry)
        self._by_digest[entry.digest] = entry
        dropped = []
        while len(self._by_digest) > self._limit:
            dropped.append(self._by_digest.popitem(last=False)[0])
        await self._store.drop_sign_ins(dropped)
        return cookie

    async def lookup(self, cookie: str) -> Identity | None:
        """The agent signed in with ``cookie``, unless it expired or was signed out."""
        digest = _digest(cookie)
        if self._store.shared:  # signed in, or out, on another replica: the database alone knows
            found = await self._store.find_sign_in(digest)
        else:
            found = self._by_digest.get(digest)
        if found is None:
            return None
        if found.expires_at <= self._time():
            self._by_digest.pop(digest, None)
            await self._store.drop_sign_ins([digest])
            return None
        return Identity(Role.AGENT, found.agent_id)

    async def sign_out(self, cookie: str) -> None:
        """Forget ``cookie``; later requests carrying it are unauthenticated, on every replica."""
        digest = _digest(cookie)
        self._by_digest.pop(digest, None)
        await self._store.drop_sign_ins([digest])

    @property
    def lifetime_seconds(self) -> float:
        """How long a sign-in lasts (also the cookie's Max-Age)."""
        return self._lifetime
