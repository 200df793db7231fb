"""Reading a bearer token for a command-line tool: from a file, else from an environment variable.

A token never goes on the command line itself, where ``ps`` and shell
history would show it.
"""

from __future__ import annotations

import os
from pathlib import Path


class TokenMissing(ValueError):
    """No usable token was given; the message says how to give one."""


def read_token(token_file: str | None, env_var: str) -> str:
    """The token in ``token_file`` (stripped), else in ``$env_var``; TokenMissing if neither has one."""
    if token_file:
        try:
            token = Path(token_file).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenMissing(f"cannot read token file {token_file}: {exc.strerror}") from None
    else:
        token = os.environ.get(env_var, "").strip()
    if not token:
        raise TokenMissing(f"no token: pass --token-file FILE or set {env_var}")
    return token
