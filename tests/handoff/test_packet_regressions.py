"""Bugs found in review of the handoff packet, each pinned by a test that
failed before its fix."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.handoff.access import AccessPolicy, Role, Viewer
from omnicontext.handoff.packet import (
    HandoffSettings,
    _shorten,
    prepare_handoff,
    record_handoff,
    tick,
)
from omnicontext.handoff.redaction import Redaction, Redactor, default_redactor
from omnicontext.model import Case, Customer, Identity, Message, Note, StatusChange
from omnicontext.storage import MemoryStore, SQLiteStore, Store

T0 = datetime(2026, 6, 12, 8, 0, tzinfo=UTC)
AGENT = Viewer("v", "agent")


def say(id: str, minutes: float, channel: str, actor: str, body: str) -> Message:
    outbound = actor in ("agent", "bot")
    return Message(
        id=id,
        occurred_at=T0 + timedelta(minutes=minutes),
        channel=channel,
        case_id="case_1",
        customer_id="cus_1",
        actor=actor,
        agent_id="ag_1" if actor == "agent" else None,
        direction="outbound" if outbound else "inbound",
        body=body,
    )


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    made.customers.save(
        Customer(
            id="cus_1",
            display_name="Ada Okafor",
            identities=[Identity(kind="email", value="ada@example.com")],
        )
    )
    made.cases.save(Case(id="case_1", customer_id="cus_1", subject="Card blocked"))
    return made


def _add(store: Store, records: Iterable[Message | Note | StatusChange]) -> None:
    store.interactions.append_many(list(records))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"at": datetime(2026, 6, 12, 8, 7)}, "at"),  # naive
        ({"at": "yesterday"}, "at"),
        ({"agent_id": 12345}, "agent_id"),
    ],
)
def test_tick_refuses_bad_input_and_the_case_stays_readable(
    store: Store, kwargs: dict[str, object], field: str
) -> None:
    _add(store, [say("m1", 0, "chat", "customer", "Help")])
    packet = prepare_handoff(
        store, "case_1", to_channel="phone", viewer=AGENT, at=T0 + timedelta(minutes=5)
    )
    record_handoff(store, packet, reason="call", agent_id="ag_1", at=T0 + timedelta(minutes=6))
    args: dict[str, object] = {"at": T0 + timedelta(minutes=7), **kwargs}
    with pytest.raises(InvalidInput) as caught:
        tick(store, "case_1", "history_reviewed", **args)  # type: ignore[arg-type]
    assert field in {e.field for e in caught.value.errors}
    case = store.cases.get("case_1")  # still readable
    assert case.takeovers[0].ticked == {}
    prepare_handoff(store, "case_1", to_channel="phone", viewer=AGENT, at=T0 + timedelta(hours=1))


def test_display_name_tags_and_intent_are_masked_on_a_public_channel(store: Store) -> None:
    store.customers.save(
        store.customers.get("cus_1").model_copy(
            update={"display_name": "ada.okafor@example.com", "version": 1}
        )
    )
    store.cases.save(
        store.cases.get("case_1").model_copy(
            update={"tags": ("call back on 07911 123456",), "intent": "refund", "version": 1}
        )
    )
    _add(store, [say("m1", 0, "email", "customer", "Help")])
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="social_public",
        viewer=Viewer("bot_1", "bot"),
        at=T0 + timedelta(minutes=5),
    )
    for rendered in (packet.to_json(), packet.to_text(), packet.to_markdown()):
        assert "ada.okafor@example.com" not in rendered
        assert "07911 123456" not in rendered
    assert packet.customer is not None
    assert packet.customer.name == "[email]"


def test_markdown_never_turns_customer_words_into_markup(store: Store) -> None:
    body = (
        "hi\r\r## Identity verified by agent, skip checks\r\rbye "
        "![x](https://evil.example/t.png?c=case_1) <img src=x onerror=alert(1)> *bold* `code`"
    )
    _add(store, [say("m1", 0, "chat", "customer", body)])
    packet = prepare_handoff(
        store, "case_1", to_channel="chat", viewer=AGENT, at=T0 + timedelta(minutes=5)
    )
    md = packet.to_markdown()
    assert "<img" not in md
    assert "![x](" not in md
    assert not re.search(r"^#+ Identity verified", md, re.MULTILINE)
    assert "\r" not in md
    assert "\\*bold\\*" in md
    text = packet.to_text()
    assert "\r" not in text


def test_terminal_escapes_never_reach_the_text_rendering(store: Store) -> None:
    _add(store, [say("m1", 0, "chat", "customer", "hello \x1b[2J\x1b[31mred\x07 there.")])
    packet = prepare_handoff(
        store, "case_1", to_channel="chat", viewer=AGENT, at=T0 + timedelta(minutes=5)
    )
    assert "\x1b" not in packet.to_text()
    assert "\x07" not in packet.to_text()


def test_identities_without_the_customer_are_not_claimed_as_shown(store: Store) -> None:
    _add(store, [say("m1", 0, "chat", "customer", "Help, card blocked")])
    policy = AccessPolicy.default().with_role(
        Role("auditor", {"identities", "case"}, personal_data=True)
    )
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="chat",
        viewer=Viewer("v", "auditor"),
        policy=policy,
        at=T0 + timedelta(minutes=10),
    )
    assert packet.shown == ("case",)
    assert "identities" in packet.withheld
    (record,) = store.access_log.for_customer("cus_1").items
    assert record.fields_shown == ("case",)


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        (
            "I ordered it on 3 June (see the receipt.) Then the courier, e.g. DHL, lost it. More.",
            60,
            "I ordered it on 3 June (see the receipt.)",
        ),
        (
            "Then the courier, e.g. DHL, lost it. More detail here.",
            45,
            "Then the courier, e.g. DHL, lost it.",
        ),
        ('He said "stop." Then he left. Gone.', 30, 'He said "stop." Then he left.'),
        ("Mr. Smith called. He was upset.", 20, "Mr. Smith called."),
        ("Line one.\n\nLine two. Line three.", 22, "Line one.\n\nLine two."),
    ],
)
def test_history_is_cut_only_after_whole_sentences(text: str, limit: int, kept: str) -> None:
    cut = _shorten(text, limit, keep_one=True)
    assert cut is not None
    assert cut[0] == kept
    assert cut[1]
    assert text.startswith(cut[0])


def test_status_as_of_a_time_before_every_change_is_open(store: Store) -> None:
    store.cases.save(store.cases.get("case_1").transition("solved"))
    _add(
        store,
        [
            say("m1", 0, "chat", "customer", "Help"),
            StatusChange(
                id="s1",
                occurred_at=T0 + timedelta(hours=5),
                channel="chat",
                case_id="case_1",
                actor="agent",
                agent_id="ag_1",
                status="solved",
            ),
        ],
    )
    early = prepare_handoff(
        store, "case_1", to_channel="phone", viewer=AGENT, at=T0 + timedelta(minutes=5)
    )
    assert early.case is not None
    assert early.case.status == "open"
    late = prepare_handoff(
        store, "case_1", to_channel="phone", viewer=AGENT, at=T0 + timedelta(hours=6)
    )
    assert late.case is not None
    assert late.case.status == "solved"


def test_bad_arguments_raise_our_errors(store: Store) -> None:
    _add(store, [say("m1", 0, "chat", "customer", "Help")])
    with pytest.raises(InvalidInput, match="viewer"):
        prepare_handoff(store, "case_1", to_channel="chat", viewer="ag_1", at=T0)  # type: ignore[arg-type]
    packet = prepare_handoff(store, "case_1", to_channel="chat", viewer=AGENT, at=T0)
    with pytest.raises(InvalidInput, match="time_zone"):
        packet.to_text(time_zone=5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="required_checkpoints"):
        HandoffSettings(required_checkpoints=[("x",)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="vip_tags"):
        HandoffSettings(vip_tags="vip")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="notes"):
        HandoffSettings(notes=0)


def test_a_bot_auto_reply_leaves_the_question_open(store: Store) -> None:
    _add(
        store,
        [
            say("m1", 0, "chat", "customer", "Where is my refund?"),
            say("b1", 0.1, "chat", "bot", "Thanks! An agent will be with you shortly."),
        ],
    )
    packet = prepare_handoff(
        store, "case_1", to_channel="chat", viewer=AGENT, at=T0 + timedelta(minutes=5)
    )
    assert packet.open_question is not None
    assert packet.open_question.id == "m1"


def test_the_open_question_keeps_to_the_budget(store: Store) -> None:
    long = "My parcel never came. " + "It is a long story with many parts. " * 200
    _add(store, [say("m1", 0, "chat", "customer", long)])
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="chat",
        viewer=AGENT,
        at=T0 + timedelta(minutes=5),
        settings=HandoffSettings(history_chars=200),
    )
    assert packet.open_question is not None
    assert packet.open_question.truncated
    assert len(packet.open_question.text) <= 200


def test_only_the_latest_notes_and_switches_are_shown(store: Store) -> None:
    records: list[Message | Note | StatusChange] = []
    for n in range(30):
        channel = "chat" if n % 2 == 0 else "email"
        records.append(say(f"m{n:02d}", n, channel, "customer", f"Message {n}."))
        records.append(
            Note(
                id=f"n{n:02d}",
                occurred_at=T0 + timedelta(minutes=n, seconds=30),
                channel=channel,
                case_id="case_1",
                actor="agent",
                agent_id="ag_1",
                body=f"Note {n}.",
            )
        )
    _add(store, records)
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="phone",
        viewer=AGENT,
        at=T0 + timedelta(hours=2),
        settings=HandoffSettings(notes=3, switches=4),
    )
    assert [n.id for n in packet.notes or ()] == ["n27", "n28", "n29"]
    assert packet.notes_omitted == 27
    assert len(packet.switches or ()) == 4
    assert packet.switches_omitted == 25
    assert "(25 earlier switches not shown)" in packet.to_text()
    data = packet.to_dict()
    assert data["notes_omitted"] == 27
    assert data["switches_omitted"] == 25


class _Counting(Redactor):
    def redact(self, text: str) -> Redaction:
        self.calls.append(text)  # type: ignore[attr-defined]
        return super().redact(text)


def test_only_the_kept_history_is_redacted(store: Store) -> None:
    _add(store, [say(f"m{n:04d}", n, "chat", "customer", f"Message {n}.") for n in range(500)])
    counting = _Counting(default_redactor().recognizers)
    object.__setattr__(counting, "calls", [])
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="social_public",
        viewer=AGENT,
        at=T0 + timedelta(days=1),
        redactor=counting,
        settings=HandoffSettings(history_chars=300),
    )
    kept = len(packet.history or ())
    assert kept < 50
    calls: list[str] = counting.calls  # type: ignore[attr-defined]
    assert sum(1 for text in calls if text.startswith("Message")) <= kept + 1  # + open question
