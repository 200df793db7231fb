"""A plugin whose import fails, as when a vendor's dependency is missing."""

from __future__ import annotations

import acme_missing_dependency  # type: ignore[import-not-found]  # noqa: F401
