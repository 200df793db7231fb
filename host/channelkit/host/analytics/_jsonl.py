"""The built-in ``jsonl`` sink: one JSON object per line, rotated by size.

Rotation is the standard library's :class:`logging.handlers.RotatingFileHandler`
(``analytics.jsonl`` → ``analytics.jsonl.1`` → …), which already gets renaming
and reopening right; write errors are raised to the recorder instead of being
printed and forgotten. Every line is flushed as written, so a crash loses
nothing already recorded. ``channelkit analytics report`` reads the current
file and its rotated predecessors alike.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError

from channelkit.sdk.analytics import AnalyticsEvent


class JsonLinesOptions(BaseModel):
    """The keys of a ``kind = "jsonl"`` entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Annotated[str, Field(min_length=1)]
    max_bytes: Annotated[int, Field(ge=1024, le=1 << 40)] = 10 * 1024 * 1024
    backup_count: Annotated[int, Field(ge=0, le=1000)] = 5


class _RaisingRotatingHandler(RotatingFileHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if error is not None:
            raise error  # to the recorder, which reports it


class JsonLinesSink:
    """Appends each event as one JSON line to ``path``, rotating at ``max_bytes``."""

    def __init__(self, options: JsonLinesOptions) -> None:
        path = Path(options.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._handler = _RaisingRotatingHandler(
            path, maxBytes=options.max_bytes, backupCount=options.backup_count, encoding="utf-8"
        )
        self._handler.setFormatter(logging.Formatter("%(message)s"))

    @classmethod
    def from_options(cls, options: Mapping[str, object]) -> JsonLinesSink:
        """Build from a configuration entry; ValueError names the bad key."""
        try:
            return cls(JsonLinesOptions.model_validate(dict(options)))
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            key = ".".join(str(part) for part in first["loc"])
            raise ValueError(f"{key}: {first['msg']}") from None

    def write(self, event: AnalyticsEvent) -> None:
        """Append ``event`` as one line and flush it."""
        line = event.model_dump_json()
        self._handler.handle(logging.LogRecord("channelkit.analytics", logging.INFO, "", 0, line, None, None))

    def close(self) -> None:
        """Flush and close the file."""
        self._handler.close()
