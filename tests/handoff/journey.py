"""A card-blocked-abroad journey used by the handoff tests.

Public post -> private message -> chat -> phone, on one case, with an earlier
case whose survey was poor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omnicontext.model import (
    Call,
    Case,
    Checkpoint,
    Customer,
    Handoff,
    Identity,
    Interaction,
    Message,
    Note,
    StatusChange,
    Survey,
)

T0 = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
CUSTOMER_ID = "cus_ada"
CASE_ID = "case_card"
EARLIER_CASE_ID = "case_old"
EMAIL = "ada.okafor@example.com"
PHONE = "+447700900123"
CARD = "4111 1111 1111 1111"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def customer() -> Customer:
    return Customer(
        id=CUSTOMER_ID,
        display_name="Ada Okafor",
        language="en-GB",
        time_zone="Europe/London",
        tags=("vip",),
        identities=(
            Identity(
                kind="email",
                value=EMAIL,
                verified=True,
                verified_at=at(70),
                verification_method="email_link",
            ),
            Identity(
                kind="phone",
                value=PHONE,
                verified=True,
                verified_at=at(100),
                verification_method="otp_sms",
            ),
            Identity(kind="social", platform="twitter", value="@Ada_Okafor"),
        ),
    )


def case() -> Case:
    return Case(
        id=CASE_ID,
        customer_id=CUSTOMER_ID,
        subject="Card blocked abroad",
        priority="urgent",
        intent="card_blocked",
        tags=("travel",),
        created_at=at(0),
        checkpoints=(
            Checkpoint(
                name="identity_verified",
                done_at=at(70),
                channel="chat",
                detail={"method": "one-time link to the registered email"},
            ),
        ),
    )


def earlier_case() -> Case:
    return Case(
        id=EARLIER_CASE_ID,
        customer_id=CUSTOMER_ID,
        subject="Statement missing",
        status="solved",
        created_at=T0 - timedelta(days=30),
    )


def _msg(
    id: str, minutes: float, channel: str, actor: str, body: str, case_id: str = CASE_ID
) -> Message:
    agent = actor == "agent"
    return Message(
        id=id,
        occurred_at=at(minutes),
        channel=channel,
        case_id=case_id,
        customer_id=CUSTOMER_ID,
        actor=actor,
        agent_id="ag_priya" if agent else None,
        direction="outbound" if agent else "inbound",
        body=body,
    )


def interactions() -> list[Interaction]:
    return [
        _msg(
            "old-1",
            -30 * 24 * 60,
            "email",
            "customer",
            "My statement never arrived.",
            EARLIER_CASE_ID,
        ),
        Survey(
            id="old-survey",
            occurred_at=at(-29 * 24 * 60),
            channel="email",
            case_id=EARLIER_CASE_ID,
            customer_id=CUSTOMER_ID,
            actor="customer",
            csat=1,
        ),
        _msg(
            "tw-1",
            0,
            "social_public",
            "customer",
            "@Bank my card is blocked and I'm abroad! Declined everywhere in Lisbon. "
            f"Email me at {EMAIL} please.",
        ),
        _msg(
            "tw-2",
            5,
            "social_public",
            "agent",
            "Sorry Ada, we can't look at your account in public: please DM us.",
        ),
        Handoff(
            id="ho-1",
            occurred_at=at(6),
            channel="social_public",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
            actor="agent",
            agent_id="ag_priya",
            from_channel="social_public",
            to_channel="social_private",
            reason="Account check needed in private.",
        ),
        _msg("dm-1", 10, "social_private", "customer", f"Hi, it's Ada. My mobile is {PHONE}."),
        _msg(
            "dm-2",
            14,
            "social_private",
            "agent",
            "Thanks Ada. The card team can help you in our app chat.",
        ),
        Handoff(
            id="ho-2",
            occurred_at=at(15),
            channel="social_private",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
            actor="agent",
            agent_id="ag_priya",
            from_channel="social_private",
            to_channel="chat",
            reason="Card team specialist needed.",
        ),
        _msg("ch-1", 60, "chat", "customer", "Hello. I'm in Lisbon and my card is blocked."),
        _msg("ch-2", 62, "chat", "agent", "I can see a fraud block. Let me verify you first."),
        Note(
            id="note-1",
            occurred_at=at(71),
            channel="chat",
            case_id=CASE_ID,
            customer_id=CUSTOMER_ID,
            actor="agent",
            agent_id="ag_priya",
            body=f"Verified by email link. Card {CARD} frozen; fraud claim opened.",
        ),
        _msg(
            "ch-3",
            75,
            "chat",
            "customer",
            "There is a payment of 640 EUR I never made. Can someone call me? I fly home Sunday.",
        ),
        StatusChange(
            id="st-1",
            occurred_at=at(0.5),
            channel="social_public",
            case_id=CASE_ID,
            actor="system",
            status="open",
        ),
    ]


def phone_call() -> Call:
    return Call(
        id="call-1",
        occurred_at=at(95),
        channel="phone",
        case_id=CASE_ID,
        customer_id=CUSTOMER_ID,
        actor="customer",
        agent_id="ag_tom",
        direction="inbound",
        answered_at=at(96),
        ended_at=at(104),
    )
