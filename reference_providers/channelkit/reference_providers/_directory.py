"""A small bundled customer directory, so the reference providers look people up like a real CRM.

Numbers use the 555-01xx range, which is reserved for fiction: nobody real
is ever shown or dialled.
"""

from __future__ import annotations

from dataclasses import KW_ONLY
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer record: who is calling or writing, and what about."""

    contact_id: str
    name: str
    phone: str
    topic: str
    lines: tuple[str, ...]
    """What the simulated customer says, in order."""


@dataclass
class Contact:
    """One customer's contact with one agent (a call, a conversation), and the session it got."""

    id: str
    agent_id: str
    customer: Customer
    _: KW_ONLY
    session_id: str = ""
    transcript_tab: str = ""


CUSTOMERS: tuple[Customer, ...] = (
    Customer(
        "c-1001",
        "Ada Lovelace",
        "+15550100101",
        "Billing",
        ("Hi, I was charged twice this month.", "The second charge is from the 14th.", "Great, thank you!"),
    ),
    Customer(
        "c-1002",
        "Alan Turing",
        "+15550100102",
        "Delivery",
        ("Where is my order #4471?", "It said it would arrive yesterday.", "Perfect, I'll wait for it."),
    ),
    Customer(
        "c-1003",
        "Grace Hopper",
        "+15550100103",
        "Technical support",
        ("My router keeps dropping the connection.", "Yes, I already restarted it twice.", "That fixed it, thanks!"),
    ),
    Customer(
        "c-1004",
        "Katherine Johnson",
        "+15550100104",
        "Account",
        ("I need to update my address.", "It's 12 Orbit Lane, Hampton.", "Thanks, that's all."),
    ),
    Customer(
        "c-1005",
        "Edsger Dijkstra",
        "+15550100105",
        "Cancellation",
        ("I'd like to cancel my subscription.", "It's just too expensive for me now.", "OK, I'll think about it."),
    ),
    Customer(
        "c-1006",
        "Barbara Liskov",
        "+15550100106",
        "Upgrade",
        ("Can I upgrade to the family plan?", "We are four people.", "Sounds good, let's do it."),
    ),
    Customer(
        "c-1007",
        "Donald Knuth",
        "+15550100107",
        "Refund",
        ("I'd like a refund for a damaged book.", "The spine arrived torn.", "Thank you, much appreciated."),
    ),
    Customer(
        "c-1008",
        "Margaret Hamilton",
        "+15550100108",
        "Technical support",
        ("The app crashes when I log in.", "Version 3.2 on my phone.", "Updating now, thanks!"),
    ),
)

_BY_PHONE = {c.phone: c for c in CUSTOMERS}


def lookup(phone: str) -> Customer | None:
    """The customer with this phone number, if the directory has one."""
    return _BY_PHONE.get(phone)


def unknown(phone: str) -> Customer:
    """A stand-in record for a number the directory does not know."""
    return Customer("", f"Unknown ({phone})", phone, "", ("Hello?", "Can you help me?", "Thanks."))
