"""Hypothesis strategies for every model (needs the ``hypothesis`` package).

Use them to property-test code built on omnicontext, or an adapter:

>>> from hypothesis import given
>>> from omnicontext.testing.strategies import interactions
>>> @given(interactions())
... def test_round_trip(item):
...     assert parse_interaction_json(item.to_json()) == item
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from omnicontext.model import (
    Agent,
    Assignment,
    Call,
    Case,
    Checkpoint,
    ContactConsent,
    Customer,
    Handoff,
    Identity,
    Interaction,
    Message,
    Note,
    StatusChange,
    Survey,
)
from omnicontext.model.channels import BUILTIN_CHANNELS

__all__ = [
    "agents",
    "aware_datetimes",
    "bodies",
    "cases",
    "channels",
    "customers",
    "identities",
    "ids",
    "interactions",
]

_OFFSETS = [
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-8)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=5, minutes=45)),
    timezone(timedelta(hours=-3, minutes=-30)),
    timezone(timedelta(hours=14)),
]


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Aware datetimes from 2000 to 2099 in fixed offsets from -08:00 to +14:00."""
    return st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 31),
        timezones=st.sampled_from(_OFFSETS),
    )


def ids() -> st.SearchStrategy[str]:
    """Identifiers as helpdesks make them: letters, digits and ``_-:.@``."""
    return st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_\-:.@]{0,39}", fullmatch=True)


def bodies(max_size: int = 400) -> st.SearchStrategy[str]:
    """Message bodies: any non-empty unicode text (emoji, RTL, NUL included)."""
    return st.text(min_size=1, max_size=max_size)


def channels() -> st.SearchStrategy[str]:
    """Built-in channel names."""
    return st.sampled_from(BUILTIN_CHANNELS.names())


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    """Identities of every kind, verified or not."""
    kind = draw(st.sampled_from(["email", "phone", "social", "external"]))
    fields: dict[str, Any] = {"kind": kind, "value": draw(st.text(min_size=1, max_size=60))}
    if kind == "social":
        fields["platform"] = draw(st.sampled_from(["twitter", "facebook", "instagram"]))
    if kind == "external":
        fields["system"] = draw(st.sampled_from(["shopify", "salesforce", "zendesk"]))
    if draw(st.booleans()):
        fields["verified"] = True
        fields["verified_at"] = draw(st.none() | aware_datetimes())
        fields["verification_method"] = draw(st.none() | st.sampled_from(["otp_sms", "link"]))
    return Identity(**fields)


@st.composite
def customers(draw: st.DrawFn) -> Customer:
    """Customers with unique identities, consent, language and time zone."""
    idents = draw(st.lists(identities(), max_size=4, unique_by=lambda i: i.key))
    consent = draw(
        st.dictionaries(
            channels(),
            st.builds(
                ContactConsent,
                granted=st.booleans(),
                recorded_at=st.none() | aware_datetimes(),
            ),
            max_size=3,
        )
    )
    return Customer(
        id=draw(ids()),
        display_name=draw(st.none() | st.text(max_size=40)),
        language=draw(st.none() | st.sampled_from(["en", "en-GB", "pt-BR", "he", "zh-Hant"])),
        time_zone=draw(st.none() | st.sampled_from(["Europe/London", "Asia/Kolkata", "UTC"])),
        identities=idents,
        consent=consent,
        tags=draw(st.lists(st.sampled_from(["vip", "b2b", "churn-risk"]), max_size=3)),
        created_at=draw(st.none() | aware_datetimes()),
        version=draw(st.integers(0, 5)),
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Cases in any status, with tags and checkpoints."""
    checkpoints = draw(
        st.lists(
            st.builds(
                Checkpoint,
                name=st.sampled_from(["identity_verified", "form_filled", "photo_uploaded"]),
                done_at=aware_datetimes(),
                channel=st.none() | channels(),
                detail=st.dictionaries(st.text(max_size=10), st.text(max_size=20), max_size=2),
            ),
            max_size=3,
            unique_by=lambda c: c.name,
        )
    )
    return Case(
        id=draw(ids()),
        customer_id=draw(ids()),
        subject=draw(st.text(max_size=80)),
        status=draw(st.sampled_from(["open", "pending", "solved", "closed"])),
        priority=draw(st.sampled_from(["low", "normal", "high", "urgent"])),
        tags=draw(st.lists(st.text(min_size=1, max_size=12), max_size=4)),
        intent=draw(st.none() | st.sampled_from(["refund", "card_blocked"])),
        checkpoints=checkpoints,
        created_at=draw(st.none() | aware_datetimes()),
        version=draw(st.integers(0, 5)),
    )


@st.composite
def agents(draw: st.DrawFn) -> Agent:
    """Agents with skills, channels and roles."""
    return Agent(
        id=draw(ids()),
        display_name=draw(st.none() | st.text(max_size=40)),
        skills=draw(st.dictionaries(st.text(min_size=1, max_size=12), st.integers(1, 10))),
        channels=draw(st.lists(channels(), max_size=4, unique=True)),
        roles=draw(st.lists(st.sampled_from(["agent", "supervisor", "tier2"]), max_size=2)),
        active=draw(st.booleans()),
    )


@st.composite
def interactions(
    draw: st.DrawFn,
    *,
    customer_ids: st.SearchStrategy[str] | None = None,
    case_ids: st.SearchStrategy[str | None] | None = None,
    times: st.SearchStrategy[datetime] | None = None,
) -> Interaction:
    """Valid interactions of all seven types.

    Narrow the owners or times with ``customer_ids``, ``case_ids`` and ``times``
    (to make timelines with many records per customer, for instance).
    """
    at = draw(times if times is not None else aware_datetimes())
    common: dict[str, Any] = {
        "id": draw(ids()),
        "occurred_at": at,
        "channel": draw(channels()),
        "customer_id": draw(customer_ids if customer_ids is not None else st.none() | ids()),
        "case_id": draw(case_ids if case_ids is not None else st.none() | ids()),
    }
    if common["customer_id"] is None and common["case_id"] is None:
        common["identity"] = draw(identities())
    kind = draw(
        st.sampled_from(["message", "call", "note", "status", "assignment", "survey", "handoff"])
    )
    agent = {"actor": "agent", "agent_id": draw(ids())}
    if kind == "message":
        direction = draw(st.sampled_from(["inbound", "outbound"]))
        who = {"actor": "customer"} if direction == "inbound" else agent
        return Message(**common, **who, direction=direction, body=draw(bodies()))
    if kind == "call":
        answered = draw(st.booleans())
        wait = timedelta(seconds=draw(st.integers(0, 3600)))
        talk = timedelta(seconds=draw(st.integers(0, 7200)))
        answered_at = at + wait if answered else None
        return Call(
            **common,
            actor="customer",
            agent_id=draw(ids()) if answered else None,
            direction="inbound",
            answered_at=answered_at,
            ended_at=(answered_at or at) + talk,
            wrap_up_seconds=float(draw(st.integers(0, 600))) if answered else 0.0,
        )
    if kind == "note":
        return Note(**common, **agent, body=draw(bodies()))
    if kind == "status":
        return StatusChange(
            **common,
            **agent,
            status=draw(st.sampled_from(["open", "pending", "solved", "closed"])),
        )
    if kind == "assignment":
        return Assignment(
            **common,
            actor="system",
            agent_id=draw(ids()),
            queue=draw(st.none() | st.sampled_from(["billing", "cards"])),
        )
    if kind == "survey":
        if draw(st.booleans()):
            return Survey(**common, actor="customer", csat=draw(st.integers(1, 5)))
        return Survey(**common, actor="customer", nps=draw(st.integers(0, 10)))
    pair = draw(st.lists(channels(), min_size=2, max_size=2, unique=True))
    return Handoff(
        **common,
        actor="system",
        from_channel=pair[0],
        to_channel=pair[1],
        reason=draw(st.sampled_from(["escalation", "sensitivity", "convenience"])),
    )
