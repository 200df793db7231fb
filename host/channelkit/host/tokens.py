"""Bearer tokens: generated here, stored by the host only as SHA-256 hex digests."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "ck_"


def new_token() -> str:
    """A fresh random token with 256 bits of entropy."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest the host configuration stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
