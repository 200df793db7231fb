"""Bearer tokens: generated here, stored by the host only as SHA-256 hex digests."""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

TOKEN_PREFIX = "ck_"


def new_token() -> str:
    """A fresh random token with 256 bits of entropy."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The SHA-256 hex digest the host configuration stores for ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def kept_tokens(directory: Path, names: list[str]) -> dict[str, str]:
    """One token per name, kept as ``<name>.token`` (mode 0600) in ``directory``: made once, read back after.

    The development host and the demo keep their tokens next to their
    state, so a restarted host accepts the same callers (and a provider
    process started with ``--token-file`` keeps working).
    """
    directory.mkdir(parents=True, exist_ok=True)
    found: dict[str, str] = {}
    for name in names:
        path = directory / f"{name}.token"
        kept = path.read_text(encoding="utf-8").strip() if path.exists() else ""
        if not kept.startswith(TOKEN_PREFIX):
            kept = new_token()
            path.touch(mode=0o600)
            os.chmod(path, 0o600)
            path.write_text(kept + "\n", encoding="utf-8")
        found[name] = kept
    return found
