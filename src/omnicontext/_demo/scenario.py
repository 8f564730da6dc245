"""The demo scenario: Ada Okafor's card is blocked while she is abroad.

Her issue starts with a public post, turns sensitive (a direct message), needs
the card team (chat) and ends with a phone call, on one case whose checkpoints
travel with it.

Nothing in ``scenario.jsonl`` says who Ada is: each interaction arrives with
the raw identifier it came with (a Twitter handle, the email typed into the
chat, the number the call came from), untidy as real exports are, or only
with its case. :func:`load` imports the lines through an
:class:`~omnicontext.identity.IdentityResolver`, which finds or creates a
profile for each identifier, and applies the verifications of the story at
their time, so the merge rules join the profiles that are Ada:

* before the day, the bank already has three profiles (``customers.jsonl``):
  Ada in the main customer records (her email, verified), Ada again in the
  telephone-banking system (her mobile, verified), and a different Ada Okafor
  with her own email;
* the public post's handle is new: a new profile, which the case is opened for;
* in the chat Ada taps a one-time link emailed to her: the email is verified
  on the case's profile too, so the two profiles merge;
* on the phone she reads back a one-time code texted to her mobile: the number
  is verified on her profile too, so the telephone-banking profile merges;
* later that morning the other Ada Okafor types Ada's number into her own
  contact details, unverified: the rules suggest a merge and do not make it.

>>> from omnicontext.storage import open_store
>>> with open_store("memory://") as store:
...     story = load(store)
...     ada = store.customers.get(CUSTOMER_ID)
...     story.report.added, len(story.merges), len(story.suggestions), len(ada.identities)
(21, 2, 1, 3)
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from datetime import datetime
from importlib import resources

import attrs

from omnicontext.errors import NotFound
from omnicontext.identity import IdentityResolver, LinkResult
from omnicontext.model import (
    Case,
    CaseStatus,
    Checkpoint,
    Customer,
    Identity,
    Interaction,
    MergeRecord,
    MergeSuggestion,
)
from omnicontext.storage import ImportReport, Store, import_jsonl

__all__ = [
    "CASE_ID",
    "CUSTOMER_ID",
    "ENTRY_IDENTITY",
    "EVENTS",
    "OTHER_ADA_ID",
    "PHONE_BANKING_ID",
    "REGION",
    "Arrival",
    "IdentityEvent",
    "Step",
    "Story",
    "case",
    "customers_jsonl",
    "interactions_jsonl",
    "load",
    "profiles",
]

CUSTOMER_ID = "cus_ada_okafor"
"""Ada in the bank's main customer records: the profile everything ends up in."""

PHONE_BANKING_ID = "cus_ada_tel"
"""Ada again, in the telephone-banking system (her mobile, verified)."""

OTHER_ADA_ID = "cus_ada_leeds"
"""A different customer with the same name."""

CASE_ID = "case_card_lisbon"
"""The demo case's id."""

REGION = "GB"
"""The region national phone numbers (``07911 123456``) are read in."""

ENTRY_IDENTITY = Identity(kind="social", platform="twitter", value="@Ada_Okafor")
"""The identity the first public post arrives with, as it arrived."""

_NEW_ID_PREFIX = "cus_new_"


@attrs.frozen
class IdentityEvent:
    """Something that happens to an identifier during the story: a
    verification, or a profile edit.

    ``customer_id`` is whose profile it is linked to; ``None`` means the
    customer of the case at that moment (the person in the conversation).
    """

    at: datetime
    channel: str
    identity: Identity
    """The identifier, as the person typed or the system gave it."""
    customer_id: str | None
    verified: bool
    method: str | None
    what: str
    """What happened, in words."""


EVENTS: tuple[IdentityEvent, ...] = (
    IdentityEvent(
        at=datetime.fromisoformat("2026-06-12T09:28:55+01:00"),
        channel="chat",
        identity=Identity(kind="email", value="Ada.Okafor@Example.com"),
        customer_id=None,
        verified=True,
        method="email_link",
        what="Ada taps the one-time link emailed to her",
    ),
    IdentityEvent(
        at=datetime.fromisoformat("2026-06-12T09:43:10+01:00"),
        channel="phone",
        identity=Identity(kind="phone", value="07911 123456"),
        customer_id=None,
        verified=True,
        method="otp_sms",
        what="Ada reads back a one-time code texted to her mobile",
    ),
    IdentityEvent(
        at=datetime.fromisoformat("2026-06-12T11:05:00+01:00"),
        channel="web",
        identity=Identity(kind="phone", value="+44 7911 123456"),
        customer_id=OTHER_ADA_ID,
        verified=False,
        method=None,
        what="another Ada Okafor types Ada's number into her own contact "
        "details (a slip: hers ends 123465)",
    ),
)
"""The verifications and edits of the story, in time order."""


@attrs.frozen
class Arrival:
    """One interaction that arrived with a raw identifier, and what it resolved to."""

    interaction_id: str
    at: datetime
    channel: str
    raw: Identity
    key: str
    """The normalised identifier's key."""
    customer_id: str | None
    """The profile it was attached to (``None``: several hold it)."""
    created: bool
    """True when nobody held the identifier, so the profile is new."""


@attrs.frozen
class Step:
    """An :class:`IdentityEvent` applied: the profile it was linked to and what
    the merge rules did."""

    event: IdentityEvent
    key: str
    """The normalised identifier's key."""
    customer_id: str
    result: LinkResult


@attrs.frozen
class Story:
    """What :func:`load` did, in the order it happened."""

    report: ImportReport
    profiles: tuple[Customer, ...]
    """The bank's profiles before the day."""
    arrivals: tuple[Arrival, ...]
    steps: tuple[Step, ...]

    @property
    def merges(self) -> tuple[MergeRecord, ...]:
        """The merges the rules made, in order."""
        return tuple(m for s in self.steps for m in s.result.merges)

    @property
    def suggestions(self) -> tuple[MergeSuggestion, ...]:
        """The suggestions the rules made instead of merging."""
        return tuple(m for s in self.steps for m in s.result.suggestions)


def case(customer_id: str = CUSTOMER_ID) -> Case:
    """The case as it stands at the end of the day, with its two checkpoints."""
    return Case(
        id=CASE_ID,
        customer_id=customer_id,
        subject="Debit card blocked while abroad in Lisbon",
        status="solved",
        priority="high",
        intent="card_blocked",
        tags=["fraud", "travel"],
        checkpoints=[
            Checkpoint(
                name="identity_verified",
                done_at=EVENTS[0].at,
                channel="chat",
                detail={"method": "one-time link to her registered email"},
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
    """The scenario's interactions, one JSON object a line (the interchange
    format), in time order, with no customer ids."""
    return resources.files("omnicontext._demo").joinpath("scenario.jsonl").read_bytes()


def customers_jsonl() -> bytes:
    """The bank's profiles before the day, one customer document a line."""
    return resources.files("omnicontext._demo").joinpath("customers.jsonl").read_bytes()


def profiles() -> tuple[Customer, ...]:
    """The bank's profiles before the day (not saved yet)."""
    return tuple(
        Customer.model_validate_json(line)
        for line in customers_jsonl().splitlines()
        if line.strip()
    )


class _Loader:
    """Imports the scenario through a resolver, one line at a time, applying
    each :class:`IdentityEvent` when the story reaches its time."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.now: datetime = EVENTS[0].at  # set to each line's and event's time
        numbers = itertools.count(1)
        merges = itertools.count(1)
        self.resolver = IdentityResolver(
            store,
            region=REGION,
            clock=lambda: self.now,
            new_id=lambda: f"{_NEW_ID_PREFIX}{next(numbers)}",
            new_merge_id=lambda: f"mrg_demo_{next(merges)}",
        )
        self.events: Iterator[IdentityEvent] = iter(EVENTS)
        self.next_event: IdentityEvent | None = next(self.events, None)
        self.arrivals: list[Arrival] = []
        self.steps: list[Step] = []

    def case_customer(self) -> str | None:
        try:
            found = self.store.cases.get(CASE_ID)
        except NotFound:
            return None
        return self.resolver.current(found.customer_id).id

    def apply_events(self, until: datetime | None) -> None:
        """Apply the events due at ``until`` (all that remain for ``None``)."""
        while self.next_event is not None and (until is None or self.next_event.at <= until):
            event = self.next_event
            self.now = event.at
            target = event.customer_id or self.case_customer()
            if target is None:
                raise NotFound("case", CASE_ID)
            result = self.resolver.link(
                target,
                event.identity,
                verified=event.verified,
                method=event.method,
                at=event.at,
            )
            key = self.resolver.normalize(event.identity).key
            self.steps.append(Step(event=event, key=key, customer_id=target, result=result))
            self.next_event = next(self.events, None)

    def prepare(self, item: Interaction) -> Interaction:
        """``import_jsonl``'s hook: find the customer of one interaction."""
        self.apply_events(item.occurred_at)
        self.now = item.occurred_at
        if item.identity is not None:
            key = self.resolver.normalize(item.identity).key
            held = self.store.customers.find_by_identity(key)
            resolved = self.resolver.resolve_interaction(item)
            self.arrivals.append(
                Arrival(
                    interaction_id=item.id,
                    at=item.occurred_at,
                    channel=item.channel,
                    raw=item.identity,
                    key=key,
                    customer_id=resolved.customer_id,
                    created=not held and resolved.customer_id is not None,
                )
            )
        elif item.case_id == CASE_ID:
            # No identifier (a status change, a note, a handoff, the survey):
            # it belongs to the customer of its case.
            resolved = item.model_copy(update={"customer_id": self.case_customer()})
        else:
            resolved = item
        if resolved.case_id == CASE_ID and resolved.customer_id is not None:
            self.open_case(resolved.customer_id)
        return resolved

    def open_case(self, customer_id: str) -> None:
        try:
            self.store.cases.get(CASE_ID)
        except NotFound:
            opened = case(customer_id).model_copy(
                update={"status": CaseStatus.OPEN, "checkpoints": ()}
            )
            self.store.cases.save(opened)

    def close_day(self) -> None:
        """The case as the day left it: solved, with its checkpoints."""
        stored = self.store.cases.get(CASE_ID)
        final = case(stored.customer_id)
        self.store.cases.save(
            stored.model_copy(update={"status": final.status, "checkpoints": final.checkpoints})
        )


def load(store: Store) -> Story:
    """Save the bank's profiles into ``store``, then import the interactions
    through an identity resolver, applying the story's verifications at their
    time.

    Deterministic: the resolver's clock is the story's time and new profiles
    are numbered ``cus_new_1``, ``cus_new_2``... ``store`` must be empty (the
    profiles' saves would conflict).
    """
    loader = _Loader(store)
    normalize = loader.resolver.normalize
    before = tuple(
        c.model_copy(update={"identities": tuple(normalize(i) for i in c.identities)})
        for c in profiles()
    )
    with store.transaction():
        saved = tuple(store.customers.save(c) for c in before)
    # One line a batch: each line is stored before the next is resolved, so a
    # merge the next line's events make moves it too.
    report = import_jsonl(
        store.interactions,
        _lines(),
        batch_size=1,
        prepare=loader.prepare,
    )
    loader.apply_events(None)
    loader.close_day()
    return Story(
        report=report,
        profiles=saved,
        arrivals=tuple(loader.arrivals),
        steps=tuple(loader.steps),
    )


def _lines() -> io.BytesIO:
    return io.BytesIO(interactions_jsonl())
