"""Debian's Chromium driven by Playwright: headless, no downloads, screenshots kept with the test."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

from playwright.async_api import Browser
from playwright.async_api import Page
from playwright.async_api import ViewportSize
from playwright.async_api import async_playwright

CHROMIUM = "/usr/bin/chromium"
# As root in a container Chromium needs --no-sandbox; the rest keep it from reaching for the network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAPTOP: ViewportSize = {"width": 1366, "height": 768}


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """A headless Chromium; fails (never skips) when it is not installed."""
    assert shutil.which(CHROMIUM), f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            await browser.close()


class Screenshots:
    """Numbered screenshots of the key states, saved under the test's temporary directory."""

    def __init__(self, page: Page, directory: Path) -> None:
        self._page = page
        self.directory = directory
        self.directory.mkdir(parents=True, exist_ok=True)
        self.taken: list[Path] = []

    async def take(self, name: str) -> Path:
        """Save the page as ``NN-name.png``."""
        path = self.directory / f"{len(self.taken) + 1:02d}-{name}.png"
        await self._page.screenshot(path=str(path), animations="disabled")
        self.taken.append(path)
        return path
