"""The console in a real headless Chromium, against a real host with the reference providers.

Contacts arrive the way a person would make them arrive: ``channelkit simulate`` in a separate
process. Screenshots of the key states are kept under the test's temporary directory.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Locator
from playwright.async_api import Page
from playwright.async_api import expect

from tests._support import RunningHost
from tests._support import make_config
from tests._support import simulate
from tests._support import start_host
from tests._support import stop_host
from tests.console._browser import LAPTOP
from tests.console._browser import Screenshots
from tests.console._browser import chromium
from tests.providers._helpers import only_plugins

SMS_NUMBER = "+15550100103"  # Grace Hopper in the reference directory


@pytest.fixture
async def reference_host(tmp_path: Path) -> AsyncIterator[RunningHost]:
    """A host with the telephony and SMS reference providers in-process, no simulated traffic."""
    config, secrets = make_config(
        plugins=only_plugins("telephony", "sms"),
        providers=[
            {
                "name": "telephony",
                "channel": "telephony",
                "click_to_act": True,
                "parameters": {"max_call_seconds": "600"},
            },
            {"name": "sms", "channel": "sms", "channel_order": 10},
        ],
    )
    (tmp_path / "admin.token").write_text(secrets.by_name["ops"])
    host = await start_host(config, secrets)
    yield host
    await stop_host(host)


async def _inject(host: RunningHost, tmp_path: Path, *args: str) -> None:
    done = await simulate(
        *args, "--to", "agent-1", "--host", host.address, "--token-file", str(tmp_path / "admin.token")
    )
    assert done.returncode == 0, done.stderr


async def _sign_in(page: Page, host: RunningHost, token: str) -> None:
    assert host.server.console is not None
    await page.goto(host.server.console.url)
    await page.get_by_label("Agent token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("button", name="Home, home")).to_be_visible()


def _session(page: Page, title: str) -> Locator:
    return page.locator(".session-button", has_text=title)


async def test_an_agent_works_a_call_and_an_sms_in_the_browser(reference_host: RunningHost, tmp_path: Path) -> None:
    host = reference_host
    async with chromium() as browser:
        page = await browser.new_page(viewport=LAPTOP)
        shots = Screenshots(page, tmp_path / "screenshots")
        page_errors: list[str] = []
        page.on("pageerror", lambda error: page_errors.append(str(error)))

        # Signing in: a wrong token is refused in words, the agent's token opens the workspace.
        assert host.server.console is not None
        await page.goto(host.server.console.url)
        await page.get_by_label("Agent token").fill("ck_wrong")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert").first).to_contain_text("the bearer token is not valid for this host")
        await shots.take("sign-in-refused")
        await page.get_by_label("Agent token").fill(host.secrets.by_name["agent-1"])
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator("#agent-name")).to_have_text("Agent-1")
        await expect(page.locator("#connection")).to_have_text("Live")

        # A call rings: the toast slides in with its countdown; the agent answers.
        await _inject(host, tmp_path, "call", "--from", "+15550100101")
        toast = page.locator(".toast", has_text="Incoming call")
        await expect(toast).to_be_visible()
        await expect(toast).to_contain_text("Ada Lovelace")
        await expect(toast.locator(".toast-count")).to_have_text(re.compile(r"^\d+ s$"))
        await shots.take("call-toast")
        await toast.get_by_role("button", name="Answer").click()
        await expect(toast).to_have_count(0)

        # The call is a focused session with its tabs and buttons; Hold, then Hang up.
        call = page.locator(".session-item.focused", has_text="Call with Ada Lovelace")
        await expect(call).to_be_visible()
        await expect(call.locator(".chip")).to_have_text("TEL")
        view = page.locator("#session-view")
        await expect(view.get_by_role("heading", name="Call with Ada Lovelace")).to_be_visible()
        await expect(view.get_by_role("tab")).to_have_text(["Call", "Customer"])
        await expect(view.get_by_role("button", name="Hold")).to_be_enabled()
        await view.get_by_role("button", name="Hold").click()
        await expect(view.get_by_role("button", name="Resume")).to_be_visible()
        await expect(view.locator(".transcript")).to_contain_text("Call on hold")
        await shots.take("call-on-hold")
        await view.get_by_role("button", name="Hang up").click()
        await expect(view.locator(".transcript")).to_contain_text("Call ended by the agent")
        await expect(view.get_by_role("button", name="Hang up")).to_have_count(0)

        # The record tab shows the customer's record link; the agent closes it.
        await view.get_by_role("tab", name="Customer").click()
        await expect(view.get_by_role("tab", name="Customer")).to_have_attribute("aria-selected", "true")
        await expect(view.locator(".record-card")).to_contain_text("contact")
        await expect(view.get_by_role("link", name="Open the record")).to_have_attribute(
            "href", re.compile("^https://")
        )
        await shots.take("record-tab")
        await view.get_by_role("button", name="Close tab Customer").click()
        await expect(view.get_by_role("tab")).to_have_text(["Call"])

        # An SMS arrives: accepted with the keyboard (Alt+A), it opens focused.
        await _inject(host, tmp_path, "sms", "--from", SMS_NUMBER, "--text", "Is my order shipped?")
        await expect(page.locator(".toast", has_text="New SMS")).to_be_visible()
        await page.keyboard.press("Alt+A")
        sms = page.locator(".session-item", has_text="SMS with Grace Hopper")
        await expect(sms).to_have_class("session-item focused")

        # Back to the call; the next text lands on the SMS session in the background: a badge.
        await _session(page, "Call with Ada Lovelace").click()
        await expect(sms).not_to_have_class("session-item focused")
        await _inject(host, tmp_path, "sms", "--from", SMS_NUMBER, "--text", "It was due yesterday.")
        await expect(sms.locator(".badge")).to_have_text("1")
        await expect(sms.locator(".session-button")).to_have_attribute(
            "aria-label", "SMS with Grace Hopper, sms, 1 unread"
        )
        await shots.take("sms-badge")

        # Switching to it clears the badge; the reply shows in the transcript.
        await sms.locator(".session-button").click()
        await expect(sms.locator(".badge")).to_have_count(0)
        await expect(view.locator(".transcript")).to_contain_text("It was due yesterday.")
        reply = view.get_by_role("textbox", name="Type a reply")
        await reply.fill("It ships today, sorry for the wait.")
        await view.get_by_role("button", name="Send").click()
        await expect(view.locator(".entry.agent").last).to_contain_text("It ships today, sorry for the wait.")
        await expect(reply).to_have_value("")
        await shots.take("sms-reply")

        # Closing the SMS session; the call stays.
        await page.get_by_role("button", name="Close session SMS with Grace Hopper").click()
        await expect(sms).to_have_count(0)
        titles = await page.locator(".session-title").all_inner_texts()
        transcript = await view.locator(".transcript .entry p").all_inner_texts()
        assert transcript[-1].startswith("Call ended by the agent")
        await shots.take("sms-closed")

        # Reloading restores the same workspace from the host.
        await page.reload()
        await expect(page.locator("#connection")).to_have_text("Live")
        await expect(page.locator(".session-title")).to_have_text(titles)
        await expect(view.get_by_role("heading")).to_have_text("Call with Ada Lovelace")
        await expect(view.locator(".transcript .entry p")).to_have_text(transcript)
        await shots.take("reloaded")
        assert page_errors == []
        assert [p.name for p in shots.taken] == [
            "01-sign-in-refused.png",
            "02-call-toast.png",
            "03-call-on-hold.png",
            "04-record-tab.png",
            "05-sms-badge.png",
            "06-sms-reply.png",
            "07-sms-closed.png",
            "08-reloaded.png",
        ]


async def test_two_agents_at_once_with_the_keyboard_the_panel_and_a_call_out(
    reference_host: RunningHost, tmp_path: Path
) -> None:
    host = reference_host
    async with chromium() as browser:
        agent_a = await (await browser.new_context(viewport=LAPTOP)).new_page()
        agent_b = await (await browser.new_context(viewport=LAPTOP)).new_page()
        await _sign_in(agent_a, host, host.secrets.by_name["agent-1"])
        await _sign_in(agent_b, host, host.secrets.by_name["agent-2"])
        shots = Screenshots(agent_a, tmp_path / "screenshots")

        # A call for agent-1 rings only in agent-1's page; declining it with the keyboard opens nothing.
        await _inject(host, tmp_path, "call", "--from", "+15550100102")
        await expect(agent_a.locator(".toast", has_text="Incoming call")).to_be_visible()
        await agent_a.keyboard.press("Alt+R")
        await expect(agent_a.locator(".toast")).to_have_count(0)
        await expect(agent_b.locator(".toast")).to_have_count(0)
        await expect(agent_b.locator(".session-title")).to_have_text(["Home"])

        # A host error is shown in words: a number longer than the contract allows.
        await agent_a.get_by_label("Number to call").fill("1" * 300)
        await agent_a.get_by_role("button", name="Call", exact=True).click()
        await expect(agent_a.locator("#error-banner")).to_contain_text("INVALID_FIELD")
        await shots.take("error-in-words")

        # Click to call: the telephony provider offers the outbound call, the agent confirms, it opens.
        await agent_a.get_by_label("Number to call").fill("+15550100104")
        await agent_a.get_by_role("button", name="Call", exact=True).click()
        outbound = agent_a.locator(".toast", has_text="Outbound call")
        await expect(outbound).to_contain_text("+15550100104")
        await expect(agent_a.locator("#error-banner")).to_be_hidden()
        await outbound.get_by_role("button", name="Call").click()
        call = agent_a.locator(".session-item.focused", has_text="Call with")
        await expect(call).to_be_visible()
        await expect(agent_a.locator(".context")).to_contain_text("+15550100104")
        await expect(agent_b.locator(".session-title")).to_have_text(["Home"])

        # Keyboard: Alt+S reaches the focused session, arrows move, Enter switches.
        await agent_a.keyboard.press("Alt+S")
        await expect(call.locator(".session-button")).to_be_focused()
        await agent_a.keyboard.press("ArrowUp")
        home = agent_a.get_by_role("button", name="Home, home")
        await expect(home).to_be_focused()
        await agent_a.keyboard.press("Enter")
        await expect(home).to_have_attribute("aria-current", "true")
        await agent_a.keyboard.press("ArrowDown")
        await agent_a.keyboard.press("Enter")
        await expect(call).to_be_visible()

        # Presence and panel mode go through the host and survive a reload.
        await agent_a.get_by_label("Presence").select_option("Busy")
        await agent_a.get_by_label("Panel").select_option("PANEL_MODE_MINIMIZED")
        await expect(agent_a.locator(".session-body")).to_be_hidden()
        await shots.take("minimized-busy")
        await agent_a.reload()
        await expect(agent_a.get_by_label("Presence")).to_have_value("Busy")
        await expect(agent_a.get_by_label("Panel")).to_have_value("PANEL_MODE_MINIMIZED")
        await expect(agent_b.get_by_label("Presence")).to_have_value("Available")
        await agent_a.get_by_label("Panel").select_option("PANEL_MODE_DOCKED")
        await expect(agent_a.locator(".session-body")).to_be_visible()

        # Signing out ends the page's access; the other agent is untouched.
        await agent_a.get_by_role("button", name="Sign out").click()
        await expect(agent_a.get_by_label("Agent token")).to_be_visible()
        await agent_a.reload()
        await expect(agent_a.get_by_label("Agent token")).to_be_visible()
        await expect(agent_b.locator("#connection")).to_have_text("Live")
