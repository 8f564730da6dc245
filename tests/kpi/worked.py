"""The worked example of docs/kpi.md, as a module the tests share.

The docs work every number of this feed out by hand; the tests check the
engine, the CLI and the scorecard against those numbers.
"""

from __future__ import annotations

from datetime import datetime

from omnicontext.model import Call, Handoff, Message, StatusChange, Survey


def t(clock: str, day: int = 2) -> datetime:
    return datetime.fromisoformat(f"2026-03-0{day}T{clock}+00:00")


def customer(id: str, case: str, at: datetime, channel: str) -> Message:
    return Message(
        id=id,
        case_id=case,
        customer_id=f"cus_{case}",
        occurred_at=at,
        channel=channel,
        actor="customer",
        direction="inbound",
        body="...",
    )


def agent(id: str, case: str, at: datetime, channel: str, who: str) -> Message:
    return Message(
        id=id,
        case_id=case,
        occurred_at=at,
        channel=channel,
        actor="agent",
        agent_id=who,
        direction="outbound",
        body="...",
    )


def status(id: str, case: str, at: datetime, channel: str, value: str) -> StatusChange:
    return StatusChange(
        id=id, case_id=case, occurred_at=at, channel=channel, actor="system", status=value
    )


def survey(id: str, case: str, at: datetime, **score: int) -> Survey:
    return Survey(id=id, case_id=case, occurred_at=at, channel="email", actor="customer", **score)


feed = [
    customer("a1", "A", t("09:00:00"), "chat"),
    agent("a2", "A", t("09:00:15"), "chat", "ana"),
    status("a3", "A", t("09:10:00"), "chat", "solved"),
    survey("a4", "A", t("09:12:00"), csat=5),
    customer("b1", "B", t("10:00:00"), "email"),
    agent("b2", "B", t("12:00:00"), "email", "ben"),
    status("b3", "B", t("12:05:00"), "email", "solved"),
    customer("b4", "B", t("09:00:00", day=3), "email"),
    status("b5", "B", t("09:01:00", day=3), "email", "open"),
    agent("b6", "B", t("11:00:00", day=3), "email", "ben"),
    status("b7", "B", t("11:05:00", day=3), "email", "solved"),
    survey("b8", "B", t("11:30:00", day=3), csat=2),
    survey("b9", "B", t("11:31:00", day=3), nps=3),
    Call(
        id="c1",
        case_id="C",
        customer_id="cus_C",
        occurred_at=t("14:00:00"),
        channel="phone",
        actor="customer",
        direction="inbound",
        agent_id="cara",
        answered_at=t("14:00:30"),
        ended_at=t("14:08:30"),
        wrap_up_seconds=60,
    ),
    status("c2", "C", t("14:09:00"), "phone", "solved"),
    survey("c3", "C", t("14:30:00"), nps=10),
    customer("d1", "D", t("16:00:00"), "social_public"),
    agent("d2", "D", t("16:20:00"), "social_public", "dan"),
    Handoff(
        id="d3",
        case_id="D",
        occurred_at=t("16:25:00"),
        channel="social_public",
        actor="agent",
        agent_id="dan",
        from_channel="social_public",
        to_channel="social_private",
        reason="personal data",
    ),
    customer("d4", "D", t("16:30:00"), "social_private"),
    agent("d5", "D", t("16:32:00"), "social_private", "dan"),
    Call(
        id="e1",
        case_id="E",
        customer_id="cus_E",
        occurred_at=t("15:00:00"),
        channel="phone",
        actor="customer",
        direction="inbound",
        ended_at=t("15:01:00"),
    ),
]
