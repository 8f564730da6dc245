from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.handoff.switches import (
    SwitchReason,
    SwitchRules,
    detect_switches,
    same_matter,
)
from omnicontext.model import Call, Case, Message, StatusChange, Survey

from . import journey


def _m(
    id: str,
    minutes: float,
    channel: str,
    actor: str = "customer",
    body: str = "Hello.",
    case_id: str | None = "c1",
    customer_id: str | None = "cus",
) -> Message:
    agent = actor != "customer"
    return Message(
        id=id,
        occurred_at=journey.at(minutes),
        channel=channel,
        case_id=case_id,
        customer_id=customer_id,
        actor=actor,
        agent_id="a1" if actor == "agent" else None,
        direction="outbound" if agent else "inbound",
        body=body,
    )


def test_card_journey_switches_and_their_reasons() -> None:
    found = detect_switches([*journey.interactions(), journey.phone_call()])
    assert [(s.from_channel, s.to_channel) for s in found] == [
        ("social_public", "social_private"),
        ("social_private", "chat"),
        ("chat", "phone"),
    ]
    public, private, chat = found
    assert public.reason is SwitchReason.SENSITIVITY
    assert public.handoff_id == "ho-1"
    assert "ho-1" in public.evidence
    assert private.reason is SwitchReason.ESCALATION  # "specialist" in the handoff reason
    assert private.handoff_id == "ho-2"
    # No handoff record for the call and no agent offering one: the customer
    # asked for a call in chat and then called, so it is their own move.
    assert chat.initiated_by == "customer"
    assert chat.reason in (SwitchReason.ESCALATION, SwitchReason.CONVENIENCE)
    assert chat.reason is SwitchReason.CONVENIENCE
    assert chat.evidence == "the customer opened phone themselves (call-1)"
    assert chat.gap == timedelta(minutes=20)
    assert all(s.kind == "case" and s.case_id == journey.CASE_ID for s in found)


def test_public_to_private_after_sensitive_customer_words() -> None:
    records = [
        _m("m1", 0, "social_public", body="Someone took a payment from my card twice!"),
        _m("m2", 3, "social_private", body="Here are the details."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.SENSITIVITY
    assert "m1" in switch.evidence
    assert "payment" in switch.evidence


def test_public_to_private_after_an_agent_asks_for_a_dm() -> None:
    records = [
        _m("m1", 0, "social_public", body="Your app keeps crashing."),
        _m("m2", 1, "social_public", actor="agent", body="Sorry! Please DM us your details."),
        _m("m3", 9, "social_private", body="Hi."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.SENSITIVITY
    assert "m2" in switch.evidence


def test_long_async_exchange_then_live_is_an_escalation() -> None:
    records = [
        _m(f"e{n}", n, "email", actor="customer" if n % 2 == 0 else "agent") for n in range(6)
    ]
    records.append(_m("c1", 30, "chat"))
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.ESCALATION
    assert "6 messages on email" in switch.evidence
    few = detect_switches([*records[:2], records[-1]], rules=SwitchRules(long_exchange=6))
    assert few[0].reason is SwitchReason.CONVENIENCE  # the customer opened the chat


def test_poor_survey_or_reopening_before_a_live_move_is_an_escalation() -> None:
    survey = Survey(
        id="s1", occurred_at=journey.at(1), channel="email", case_id="c1", actor="customer", csat=2
    )
    records = [_m("e1", 0, "email"), survey, _m("p1", 10, "chat")]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.ESCALATION
    assert "CSAT 2" in switch.evidence

    def status(id: str, minutes: int, value: str) -> StatusChange:
        return StatusChange(
            id=id,
            occurred_at=journey.at(minutes),
            channel="email",
            case_id="c1",
            actor="agent",
            agent_id="a1",
            status=value,
        )

    reopened = [
        _m("e1", 0, "email"),
        status("s1", 1, "solved"),
        status("s2", 5, "open"),
        _m("p1", 10, "chat"),
    ]
    (switch,) = detect_switches(reopened)
    assert switch.reason is SwitchReason.ESCALATION
    assert "reopened (s2)" in switch.evidence


def test_business_move_without_evidence_is_unknown() -> None:
    records = [
        _m("e1", 0, "email"),
        _m("s1", 10, "sms", actor="agent", body="We have news about your order."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.UNKNOWN
    assert switch.initiated_by == "business"


def test_customer_saying_the_channel_suits_them_is_convenience() -> None:
    records = [
        _m("c1", 0, "chat"),
        _m("s1", 10, "sms", body="Can't chat now, I'm at work: text me instead."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.CONVENIENCE
    assert "s1" in switch.evidence


def test_returns_need_cases_about_the_same_matter_within_the_window() -> None:
    cases = {
        "c1": Case(id="c1", customer_id="cus", intent="refund"),
        "c2": Case(id="c2", customer_id="cus", intent="refund", priority="high"),
        "c3": Case(id="c3", customer_id="cus", intent="address_change"),
    }
    records = [
        _m("e1", 0, "email", case_id="c1"),
        _m("p1", 60 * 24 * 2, "chat", case_id="c2"),  # two days later, same intent
        _m("x1", 60 * 24 * 3, "phone", case_id="c3"),  # another matter
    ]
    found = detect_switches(records, cases=cases)
    assert [(s.kind, s.earlier_case_id, s.case_id) for s in found] == [("return", "c1", "c2")]
    assert found[0].reason is SwitchReason.ESCALATION  # live channel, high priority
    assert detect_switches(records) == ()  # without cases, no returns looked for
    late = detect_switches(records, cases=cases, rules=SwitchRules(window=timedelta(days=1)))
    assert late == ()
    anything = detect_switches(records, cases=cases, same_matter=lambda a, b: True)
    assert len(anything) == 2


def test_same_matter_by_subject() -> None:
    a = Case(id="a", customer_id="c", subject=" Refund for order 12 ")
    b = Case(id="b", customer_id="c", subject="refund for order 12")
    assert same_matter(a, b)
    assert not same_matter(a, Case(id="d", customer_id="c", subject="Other"))


def test_calls_count_as_customer_facing() -> None:
    call = Call(
        id="k1",
        occurred_at=journey.at(5),
        channel="phone",
        case_id="c1",
        actor="customer",
        direction="inbound",
    )
    (switch,) = detect_switches([_m("e1", 0, "email"), call])
    assert switch.to_channel == "phone"
    assert switch.to_interaction_id == "k1"


@pytest.mark.parametrize(
    ("field", "value"),
    [("window", timedelta(0)), ("long_exchange", -1), ("poor_csat", 1.5), ("poor_nps", True)],
)
def test_bad_rules_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput, match=field):
        SwitchRules(**{field: value})  # type: ignore[arg-type]


@settings(max_examples=60)
@given(st.lists(st.sampled_from(["chat", "email", "phone", "social_public"]), max_size=25))
def test_detection_does_not_depend_on_input_order(channels: list[str]) -> None:
    records = [_m(f"m{n:03d}", n, ch) for n, ch in enumerate(channels)]
    shuffled = records[:]
    random.Random(len(records)).shuffle(shuffled)
    found = detect_switches(records)
    assert detect_switches(shuffled) == found
    changes = sum(1 for a, b in itertools.pairwise(channels) if a != b)
    assert len(found) == changes
    assert all(s.to_dict()["reason"] in {r.value for r in SwitchReason} for s in found)
