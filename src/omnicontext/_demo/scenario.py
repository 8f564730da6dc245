"""The demo scenario: Ada Okafor's card is blocked while she is abroad.

Her issue starts with a public post, turns sensitive (a direct message), needs
the card team (chat) and ends with a phone call, on one case whose checkpoints
travel with it. The interactions are ``scenario.jsonl`` in the interchange
format; the customer and the case are built here.

>>> from omnicontext.storage import open_store
>>> with open_store("memory://") as store:
...     report = load(store)
...     report.added, report.rejected_count, store.customers.get(CUSTOMER_ID).display_name
(19, 0, 'Ada Okafor')
"""

from __future__ import annotations

import io
from importlib import resources

from omnicontext.model import Case, Checkpoint, Customer, Identity
from omnicontext.storage import ImportReport, Store, import_jsonl

__all__ = [
    "CASE_ID",
    "CUSTOMER_ID",
    "ENTRY_IDENTITY",
    "case",
    "customer",
    "interactions_jsonl",
    "load",
]

CUSTOMER_ID = "cus_ada_okafor"
"""The demo customer's id."""

CASE_ID = "case_card_lisbon"
"""The demo case's id."""

ENTRY_IDENTITY = Identity(kind="social", platform="twitter", value="@ada_okafor")
"""The identity the first public post arrives with."""


def customer() -> Customer:
    """Ada Okafor, as the bank knew her before the day began (not saved yet)."""
    return Customer(
        id=CUSTOMER_ID,
        display_name="Ada Okafor",
        language="en-GB",
        time_zone="Europe/London",
        identities=[
            ENTRY_IDENTITY,
            Identity(
                kind="email",
                value="ada.okafor@example.com",
                verified=True,
                verified_at="2019-03-02T10:04:00+00:00",
                verification_method="email_link",
            ),
            Identity(
                kind="phone",
                value="+447700900123",
                verified=True,
                verified_at="2019-03-02T10:06:00+00:00",
                verification_method="otp_sms",
            ),
        ],
        tags=["personal_banking"],
        created_at="2019-03-02T10:00:00+00:00",
    )


def case() -> Case:
    """The case as it stands at the end of the day, with its two checkpoints."""
    return Case(
        id=CASE_ID,
        customer_id=CUSTOMER_ID,
        subject="Debit card blocked while abroad in Lisbon",
        status="solved",
        priority="high",
        intent="card_blocked",
        tags=["fraud", "travel"],
        checkpoints=[
            Checkpoint(
                name="identity_verified",
                done_at="2026-06-12T09:22:10+01:00",
                channel="social_private",
                detail={"method": "one-time link to the registered mobile"},
            ),
            Checkpoint(
                name="card_frozen",
                done_at="2026-06-12T09:31:50+01:00",
                channel="chat",
                detail={"card": "debit ending 4417", "fraud_claim": "EUR 640 online payment"},
            ),
        ],
        created_at="2026-06-12T08:12:04+00:00",
    )


def interactions_jsonl() -> bytes:
    """The scenario's interactions, one JSON object a line (the interchange format)."""
    return resources.files("omnicontext._demo").joinpath("scenario.jsonl").read_bytes()


def load(store: Store) -> ImportReport:
    """Save the customer and the case into ``store`` and import the interactions.

    ``store`` must not hold the demo customer yet (its save would conflict).
    """
    with store.transaction():
        store.customers.save(customer())
        store.cases.save(case())
    return import_jsonl(store.interactions, io.BytesIO(interactions_jsonl()))
