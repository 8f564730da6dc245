"""Switch detection: work grows with the records, evidence stays redactable,
reasons follow the documented rules (sensitivity only off a public channel,
negated escalation words ignored, an agent's offer only from the segment left,
no bank-specific words)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.handoff import switches
from omnicontext.handoff.redaction import default_redactor
from omnicontext.handoff.switches import SwitchReason, detect_switches
from omnicontext.model import Handoff, Interaction, Message, Survey

from . import journey


def _m(
    id: str, minutes: float, channel: str, actor: str = "customer", body: str = "Hi."
) -> Message:
    agent = actor != "customer"
    return Message(
        id=id,
        occurred_at=journey.at(minutes),
        channel=channel,
        case_id="c1",
        customer_id="cus",
        actor=actor,
        agent_id="a1" if actor == "agent" else None,
        direction="outbound" if agent else "inbound",
        body=body,
    )


def _handoff(minutes: float, from_channel: str, to_channel: str, reason: str) -> Handoff:
    return Handoff(
        id="h1",
        occurred_at=journey.at(minutes),
        channel=from_channel,
        case_id="c1",
        customer_id="cus",
        actor="agent",
        agent_id="a1",
        from_channel=from_channel,
        to_channel=to_channel,
        reason=reason,
    )


def _moved(reason: str, from_channel: str = "chat", to_channel: str = "phone") -> SwitchReason:
    records: list[Interaction] = [
        _m("m1", 0, from_channel),
        _handoff(1, from_channel, to_channel, reason),
        _m("m2", 2, to_channel, actor="agent", body="Hello, agent here."),
    ]
    (switch,) = detect_switches(records)
    assert switch.handoff_id == "h1"
    return switch.reason


# 1. Work per record, not per record and move.


def test_work_grows_linearly_with_the_records(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"agent_text": 0, "poor": 0}
    agent_text, poor = switches._agent_text, switches._poor

    def counting_agent_text(item: Interaction) -> str | None:
        calls["agent_text"] += 1
        return agent_text(item)

    def counting_poor(item: Interaction, rules: switches.SwitchRules) -> str | None:
        calls["poor"] += 1
        return poor(item, rules)

    monkeypatch.setattr(switches, "_agent_text", counting_agent_text)
    monkeypatch.setattr(switches, "_poor", counting_poor)
    count = 600
    records = [
        _m(f"m{n:04d}", n, ("email", "chat")[(n // 2) % 2], "customer" if n % 2 == 0 else "agent")
        for n in range(count)
    ]
    found = detect_switches(records)
    assert len(found) == count // 2 - 1
    # Each record is looked at a bounded number of times; scanning the whole
    # earlier history at every move took ~count**2 / 8 looks (45,000 here).
    assert calls["agent_text"] <= 2 * count
    assert calls["poor"] <= 2 * count


def test_the_latest_evidence_before_a_live_move_wins() -> None:
    survey = Survey(
        id="s1", occurred_at=journey.at(1), channel="email", case_id="c1", actor="customer", csat=1
    )
    records: list[Interaction] = [
        _m("e1", 0, "email"),
        survey,
        _m("e2", 2, "email", actor="agent", body="A specialist will call you."),
        _m("p1", 10, "phone"),
    ]
    (switch,) = detect_switches(records)
    assert switch.evidence == "agent message e2 offers a call or an escalation"
    records[1:3] = [records[2], survey.model_copy(update={"occurred_at": journey.at(3)})]
    (switch,) = detect_switches(records)
    assert switch.evidence == "a poor survey before the move: CSAT 1 (s1)"


# 2. Evidence quotes the reason as written, whitespace collapsed.


def test_evidence_quotes_the_reason_so_a_redactor_finds_card_and_iban() -> None:
    reason = (
        "Customer sent card and IBAN:\n4111111111111111\n\tIBAN\tDE89370400440532013000\r\n ok"
    )
    records: list[Interaction] = [
        _m("m1", 0, "social_public", body="Help, card blocked"),
        _handoff(1, "social_public", "social_private", reason),
        _m("m2", 2, "social_private", body="ok here"),
    ]
    (switch,) = detect_switches(records)
    assert switch.evidence == (
        "handoff h1 says 'Customer sent card and IBAN: 4111111111111111 "
        "IBAN DE89370400440532013000 ok'"
    )
    masked = default_redactor().redact(switch.evidence).text
    assert "4111111111111111" not in masked
    assert "DE89370400440532013000" not in masked
    assert "[card]" in masked
    assert "[iban]" in masked
    assert "\\" not in masked


@settings(max_examples=80)
@given(st.text(min_size=1, max_size=120))
def test_evidence_never_escapes_the_reason(extra: str) -> None:
    reason = f"Customer prefers phone.{extra}"[:256]
    records: list[Interaction] = [
        _m("m1", 0, "chat"),
        _handoff(1, "chat", "phone", reason),
        _m("m2", 2, "phone"),
    ]
    (switch,) = detect_switches(records)
    assert switch.evidence == f"handoff h1 says '{' '.join(reason.split())}'"


# 3. Sensitivity from a handoff reason only when leaving a public channel.


@pytest.mark.parametrize(
    ("reason", "expected"),
    [
        ("Escalated to supervisor: customer's account was hacked", SwitchReason.ESCALATION),
        ("Specialist will verify the refund by phone", SwitchReason.ESCALATION),
        ("Customer is driving, prefers a call about his hospital bill", SwitchReason.CONVENIENCE),
        ("Customer prefers phone, payment question", SwitchReason.CONVENIENCE),
    ],
)
def test_a_move_between_private_channels_is_never_sensitivity(
    reason: str, expected: SwitchReason
) -> None:
    assert _moved(reason) is expected


def test_a_handoff_reason_with_sensitive_words_and_no_other_falls_through() -> None:
    # chat -> phone, agent opened the call: no rule finds evidence.
    assert _moved("Account check needed privately.") is SwitchReason.UNKNOWN


def test_leaving_a_public_channel_a_sensitive_reason_is_still_sensitivity() -> None:
    reason = "Escalated to supervisor: customer's account was hacked"
    assert _moved(reason, "social_public", "social_private") is SwitchReason.SENSITIVITY


# 4. Negated escalation words, and an agent's offer only from the segment left.


@pytest.mark.parametrize(
    ("body", "to_channel"),
    [
        ("We are looking into it; no manager needed.", "phone"),
        ("It is not urgent, we will email you later.", "chat"),
        ("We don't need to escalate this.", "chat"),
        ("This is a non-urgent matter.", "chat"),
        ("We solved it without a supervisor.", "phone"),
    ],
)
def test_negated_escalation_words_are_not_an_offer(body: str, to_channel: str) -> None:
    records = [
        _m("m1", 0, "email", body="My order is late."),
        _m("m2", 1, "email", actor="agent", body=body),
        _m("m3", 60, to_channel, body="Calling now."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.CONVENIENCE
    assert switch.evidence == f"the customer opened {to_channel} themselves (m3)"


@pytest.mark.parametrize(
    "body",
    [
        "No manager needed, but a specialist will call you.",
        "No, I will escalate this now.",
        "Nothing more on email: we will call you.",
    ],
)
def test_an_escalation_word_outside_a_negation_still_counts(body: str) -> None:
    records = [_m("m1", 0, "email"), _m("m2", 1, "email", actor="agent", body=body)]
    (switch,) = detect_switches([*records, _m("m3", 60, "phone")])
    assert switch.reason is SwitchReason.ESCALATION
    assert "m2" in switch.evidence


def test_an_agent_offer_counts_only_in_the_segment_left() -> None:
    records = [
        _m("e1", 0, "email"),
        _m("e2", 1, "email", actor="agent", body="A specialist will call you."),
        _m("c1", 5, "chat"),  # acts on the offer
        _m("e3", 30, "email"),
        _m("p1", 60, "phone"),  # a new move: the offer was on the first email segment
    ]
    first, _, last = detect_switches(records)
    assert first.reason is SwitchReason.ESCALATION
    assert "e2" in first.evidence
    assert last.reason is SwitchReason.CONVENIENCE
    assert last.evidence == "the customer opened phone themselves (p1)"


def test_a_poor_survey_still_counts_from_anywhere_earlier_in_the_case() -> None:
    survey = Survey(
        id="s1", occurred_at=journey.at(2), channel="email", case_id="c1", actor="customer", nps=3
    )
    records: list[Interaction] = [
        _m("e1", 0, "email"),
        survey,
        _m("w1", 5, "whatsapp"),
        _m("e2", 30, "email"),
        _m("p1", 60, "phone"),
    ]
    *_, last = detect_switches(records)
    assert (last.from_channel, last.to_channel) == ("email", "phone")
    assert last.reason is SwitchReason.ESCALATION
    assert last.evidence == "a poor survey before the move: NPS 3 (s1)"


# 5. No bank-specific escalation words.


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("The card team can help you there.", SwitchReason.CONVENIENCE),
        ("Our specialist team has your case.", SwitchReason.ESCALATION),
        ("The billing team will call you today.", SwitchReason.ESCALATION),
        ("The returns team will contact you.", SwitchReason.ESCALATION),
        ("No team will call you.", SwitchReason.CONVENIENCE),
    ],
)
def test_escalation_words_are_generic(body: str, expected: SwitchReason) -> None:
    records = [
        _m("e1", 0, "email"),
        _m("e2", 1, "email", actor="agent", body=body),
        _m("c1", 30, "chat"),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is expected


def test_a_card_team_handoff_reason_is_not_an_escalation_by_itself() -> None:
    records: list[Interaction] = [
        _m("m1", 0, "social_private"),
        _handoff(1, "social_private", "email", "Card team to check the block."),
        _m("m2", 2, "email", actor="agent", body="Hello."),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason is SwitchReason.UNKNOWN
    assert switch.handoff_id == "h1"


def test_an_unexplained_move_with_a_handoff_quotes_the_handoff() -> None:
    t = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
    records = [
        Message(
            id="d1",
            occurred_at=t,
            channel="social_private",
            case_id="c",
            actor="customer",
            direction="inbound",
            body="Hello.",
        ),
        Handoff(
            id="h2",
            occurred_at=t.replace(minute=5),
            channel="social_private",
            case_id="c",
            actor="agent",
            agent_id="a1",
            from_channel="social_private",
            to_channel="chat",
            reason="Not verified on Twitter; moving on.",
        ),
        Message(
            id="c1",
            occurred_at=t.replace(minute=9),
            channel="chat",
            case_id="c",
            actor="agent",
            agent_id="a2",
            direction="outbound",
            body="Hi, I'm here.",
        ),
    ]
    (switch,) = detect_switches(records)
    assert switch.reason.value == "unknown"
    assert switch.evidence == "handoff h2 says 'Not verified on Twitter; moving on.'"
    assert switch.handoff_id == "h2"
