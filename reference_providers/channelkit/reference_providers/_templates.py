"""The default templates the reference providers ship, one set per channel.

Each provider module returns its set from ``channelkit_default_templates``; an
integrator overrides any of them by defining a template of the same name in
the host configuration. The parameters each template reads are the ones the
provider passes: ``name``, ``phone``, ``topic``, ``contact_id`` and, for the
messaging toasts, ``message``.
"""

from __future__ import annotations

from channelkit.sdk.templates import NotificationFieldTemplate as Field
from channelkit.sdk.templates import NotificationTemplate
from channelkit.sdk.templates import SessionTemplate
from channelkit.sdk.templates import TabTemplate
from channelkit.sdk.templates import TemplateSet

SHOP = "https://shop.example.com/help"


def _customer_record(channel: str) -> TabTemplate:
    return TabTemplate(
        name=f"{channel}.customer",
        title="Customer",
        page_type="record",
        parameters={"entity_name": "contact", "entity_id": "{contact_id}"},
    )


def _transcript(channel: str, title: str) -> TabTemplate:
    return TabTemplate(name=f"{channel}.transcript", title=title, page_type="transcript", can_close=False)


def telephony() -> TemplateSet:
    """A call session with its transcript; the incoming and outbound call toasts; the caller's record."""
    return TemplateSet(
        sessions=[
            SessionTemplate(
                name="telephony.call", title="Call with {name}", anchor="telephony.transcript", icon="phone"
            )
        ],
        tabs=[_transcript("telephony", "Call"), _customer_record("telephony")],
        notifications=[
            NotificationTemplate(
                name="telephony.incoming",
                title="Incoming call",
                icon="phone",
                fields=[
                    Field(header="Caller", value="{name}"),
                    Field(header="Number", value="{phone}"),
                    Field(header="Topic", value="{topic}"),
                ],
                timeout_seconds=20,
                accept_label="Answer",
                reject_label="Decline",
            ),
            NotificationTemplate(
                name="telephony.outbound",
                title="Outbound call",
                icon="phone",
                fields=[Field(header="Call", value="{name}"), Field(header="Number", value="{phone}")],
                timeout_seconds=20,
                accept_label="Call",
                reject_label="Cancel",
            ),
        ],
    )


def _messaging(channel: str, *, session_title: str, toast_title: str, icon: str) -> TemplateSet:
    return TemplateSet(
        sessions=[
            SessionTemplate(
                name=f"{channel}.conversation", title=session_title, anchor=f"{channel}.transcript", icon=icon
            )
        ],
        tabs=[_transcript(channel, "Conversation")],
        notifications=[
            NotificationTemplate(
                name=f"{channel}.incoming",
                title=toast_title,
                icon=icon,
                fields=[
                    Field(header="From", value="{name}"),
                    Field(header="Number", value="{phone}"),
                    Field(header="Message", value="{message}"),
                ],
                timeout_seconds=20,
            )
        ],
    )


def sms() -> TemplateSet:
    """An SMS conversation, its toast and the texter's record."""
    base = _messaging("sms", session_title="SMS with {name}", toast_title="New SMS", icon="sms")
    return base.model_copy(update={"tabs": [*base.tabs, _customer_record("sms")]})


def chat() -> TemplateSet:
    """A chat conversation, its toast and the page the visitor is on."""
    base = _messaging("chat", session_title="Chat with {name}", toast_title="Chat request", icon="chat")
    page = TabTemplate(
        name="chat.visitor_page", title="Visitor's page", page_type="url", parameters={"url": SHOP + "/{page}"}
    )
    return base.model_copy(update={"tabs": [*base.tabs, page]})
