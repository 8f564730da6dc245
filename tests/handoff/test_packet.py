from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput, InvalidTransition, NotFound, UnknownChannel
from omnicontext.handoff.access import PACKET_FIELDS, AccessPolicy, Role, Viewer
from omnicontext.handoff.packet import (
    HandoffSettings,
    HistoryEntry,
    _trim,
    prepare_handoff,
    record_handoff,
    tick,
)
from omnicontext.kpi import SlaPolicy
from omnicontext.model import Handoff
from omnicontext.storage import MemoryStore, SQLiteStore, Store

from . import journey

AGENT = Viewer("ag_tom", "agent")
WHEN = journey.at(90)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "s.db")
    made.customers.save(journey.customer())
    made.cases.save(journey.case())
    made.cases.save(journey.earlier_case())
    made.interactions.append_many(journey.interactions())
    return made


def _settings() -> HandoffSettings:
    return HandoffSettings(
        required_checkpoints={"card_blocked": ("identity_verified", "card_frozen")},
        sla=SlaPolicy.from_dict({"*": {"*": {"first_response": 600}}}),
    )


def test_agent_on_the_phone_sees_every_part(store: Store) -> None:
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN, settings=_settings()
    )
    assert packet.shown == PACKET_FIELDS
    assert packet.withheld == ()
    assert not packet.redacted
    assert packet.redactions == 0
    assert packet.from_channel == "chat"
    assert packet.customer is not None
    assert packet.customer.name == "Ada Okafor"
    assert packet.customer.vip
    ids = {i.kind: i for i in packet.customer.identities or ()}
    assert ids["email"].value == journey.EMAIL
    assert ids["email"].method == "email_link"
    assert not ids["social"].verified
    assert ids["social"].scope == "twitter"
    assert packet.case is not None
    assert packet.case.priority == "urgent"
    assert [s.channel for s in packet.journey or ()] == ["social_public", "social_private", "chat"]
    assert [s.handoff_id for s in packet.switches or ()] == ["ho-1", "ho-2"]
    assert packet.open_question is not None
    assert packet.open_question.id == "ch-3"
    assert packet.flags is not None
    assert packet.flags.vip
    assert packet.flags.escalated == "priority urgent"
    assert set(packet.flags.sensitive) >= {"payment", "personal_data"}
    assert packet.flags.poor_satisfaction is not None
    assert packet.flags.poor_satisfaction.startswith("CSAT 1/5")
    assert packet.clocks is not None
    assert packet.clocks.first_contact_at == journey.at(0)
    assert packet.clocks.since_first_contact == timedelta(minutes=90)
    assert packet.clocks.first_response_at == journey.at(5)
    assert packet.clocks.first_response_due == journey.at(10)
    assert not packet.clocks.first_response_overdue
    assert [c.name for c in packet.checkpoints_done or ()] == ["identity_verified"]
    assert packet.checkpoints_pending == ("card_frozen",)
    assert [n.id for n in packet.notes or ()] == ["note-1"]
    assert journey.CARD in (packet.notes or ())[0].text
    assert packet.checklist is not None
    assert not any(i.done for i in packet.checklist)
    history = [e.id for e in packet.history or ()]
    assert history[0] == "tw-1"  # the first customer message is always kept
    assert history[-1] == "ch-3"
    assert packet.history_omitted == 0


def test_every_packet_built_is_in_the_access_log(store: Store) -> None:
    packet = prepare_handoff(store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN)
    contractor = prepare_handoff(
        store,
        journey.CASE_ID,
        to_channel="chat",
        viewer=Viewer("bpo_7", "contractor"),
        at=WHEN + timedelta(minutes=1),
    )
    page = store.access_log.for_customer(journey.CUSTOMER_ID)
    assert [r.id for r in page.items] == [packet.access_id, contractor.access_id]
    first, second = page.items
    assert (first.viewer_id, first.viewer_role, first.case_id) == ("ag_tom", "agent", "case_card")
    assert first.fields_shown == PACKET_FIELDS
    assert first.channel == "phone"
    assert first.occurred_at == WHEN
    assert first.redactions == 0
    assert second.fields_withheld == ("identities", "notes")
    assert second.redactions == contractor.redactions > 0
    assert [r.id for r in store.access_log.for_viewer("bpo_7").items] == [contractor.access_id]


def _everything(packet_text: str, packet_md: str, packet_json: str) -> str:
    return packet_text + packet_md + packet_json


def test_public_channel_packet_masks_personal_data(store: Store) -> None:
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="social_public", viewer=AGENT, at=WHEN
    )
    assert packet.redacted
    assert packet.redactions >= 4
    rendered = _everything(packet.to_text(), packet.to_markdown(), packet.to_json())
    for secret in (journey.EMAIL, journey.PHONE, "7700 900123", journey.CARD, "@Ada_Okafor"):
        assert secret not in rendered
    assert "[email]" in rendered
    assert "[card]" in rendered
    assert packet.shown == PACKET_FIELDS  # masking is not withholding


def test_contractor_sees_no_identities_or_notes_and_no_personal_data(store: Store) -> None:
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="chat", viewer=Viewer("bpo_7", "contractor"), at=WHEN
    )
    assert packet.withheld == ("identities", "notes")
    assert packet.notes is None
    assert packet.customer is not None
    assert packet.customer.identities is None
    data = packet.to_dict()
    assert "notes" not in data
    assert "identities" not in data
    assert journey.EMAIL not in packet.to_json()
    assert "Not shown to this role: identities, notes" in packet.to_text()


def test_bot_role_withholds_flags_and_checklist(store: Store) -> None:
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="chat", viewer=Viewer("bot_1", "bot"), at=WHEN
    )
    assert set(packet.withheld) == {"identities", "notes", "flags", "checklist"}
    assert packet.flags is None
    assert packet.checklist is None


def test_a_custom_role_from_a_policy_table(store: Store) -> None:
    policy = AccessPolicy.from_dict({"billing": {"fields": ["case", "history"]}})
    packet = prepare_handoff(
        store,
        journey.CASE_ID,
        to_channel="email",
        viewer=Viewer("b1", "billing"),
        at=WHEN,
        policy=policy,
    )
    assert packet.shown == ("case", "history")
    assert packet.customer is None
    assert packet.redacted


def test_refusals_write_no_access_record(store: Store) -> None:
    with pytest.raises(InvalidInput, match=r"viewer\.role='intern'"):
        prepare_handoff(store, journey.CASE_ID, to_channel="chat", viewer=Viewer("x", "intern"))
    with pytest.raises(UnknownChannel, match="pager"):
        prepare_handoff(store, journey.CASE_ID, to_channel="pager", viewer=AGENT)
    with pytest.raises(NotFound):
        prepare_handoff(store, "no_such_case", to_channel="chat", viewer=AGENT)
    assert store.access_log.count() == 0


def test_renderings_fit_the_screen_and_agree(store: Store) -> None:
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN, settings=_settings()
    )
    text = packet.to_text(width=72, time_zone="Europe/London")
    assert all(len(line) <= 72 for line in text.splitlines())
    assert "10:15" in text  # the open question at 09:15 UTC is 10:15 in London (BST)
    assert "There is a payment of 640 EUR" in text
    assert "[ ] Full history reviewed" in text
    md = packet.to_markdown()
    assert md.startswith("## Handoff: case case_card to phone")
    assert "- [ ] Feedback asked after resolution" in md
    data = json.loads(packet.to_json())
    assert data["open_question"]["id"] == "ch-3"
    assert data["checkpoints"]["pending"] == ["card_frozen"]
    assert data["clocks"]["since_first_contact_seconds"] == 5400.0
    with pytest.raises(InvalidInput, match="time_zone"):
        packet.to_text(time_zone="Mars/Base")
    with pytest.raises(InvalidInput, match="width"):
        packet.to_text(width=10)


def test_open_question_is_none_once_an_agent_answered(store: Store) -> None:
    store.interactions.append(journey.phone_call())
    after_call = journey.at(110)
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="email", viewer=AGENT, at=after_call
    )
    assert packet.open_question is None
    assert packet.from_channel == "phone"


def test_record_handoff_appends_and_opens_the_checklist(store: Store) -> None:
    packet = prepare_handoff(store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN)
    record = record_handoff(
        store,
        packet,
        reason="Fraud claim needs a call.",
        at=WHEN,
        agent_id="ag_priya",
        handoff_id="ho-3",
    )
    assert isinstance(record, Handoff)
    assert (record.from_channel, record.to_channel, record.channel) == ("chat", "phone", "chat")
    assert store.interactions.get("ho-3") == record
    again = record_handoff(
        store,
        packet,
        reason="Fraud claim needs a call.",
        at=WHEN,
        agent_id="ag_priya",
        handoff_id="ho-3",
    )
    assert again == record
    case = store.cases.get(journey.CASE_ID)
    assert [t.handoff_id for t in case.takeovers] == ["ho-3"]

    tick(
        store,
        journey.CASE_ID,
        "history_reviewed",
        at=WHEN + timedelta(minutes=1),
        agent_id="ag_tom",
    )
    first = tick(store, journey.CASE_ID, "history_reviewed", at=WHEN + timedelta(minutes=9))
    assert first.ticked["history_reviewed"] == WHEN + timedelta(minutes=1)  # first tick kept
    assert first.agent_id == "ag_tom"
    with pytest.raises(InvalidTransition, match="feedback_asked"):
        tick(store, journey.CASE_ID, "feedback_asked", at=WHEN)
    with pytest.raises(InvalidInput, match="item='coffee'"):
        tick(store, journey.CASE_ID, "coffee", at=WHEN)
    with pytest.raises(NotFound):
        tick(store, journey.CASE_ID, "personal_reply", handoff_id="ho-x")

    later = prepare_handoff(
        store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN + timedelta(minutes=10)
    )
    assert later.takeover_id == "ho-3"
    done = {i.name: i.done for i in later.checklist or ()}
    assert done["history_reviewed"]
    assert not done["identity_confirmed"]
    # As of the handoff itself, nothing was ticked yet.
    then = prepare_handoff(store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN)
    assert not any(i.done for i in then.checklist or ())
    # A packet for another channel starts a fresh checklist.
    other = prepare_handoff(store, journey.CASE_ID, to_channel="email", viewer=AGENT, at=WHEN)
    assert other.takeover_id is None
    assert not any(i.done for i in other.checklist or ())


def test_feedback_can_be_ticked_after_resolution(store: Store) -> None:
    packet = prepare_handoff(store, journey.CASE_ID, to_channel="phone", viewer=AGENT, at=WHEN)
    record_handoff(store, packet, reason="call", at=WHEN, agent_id="ag_tom", handoff_id="ho-3")
    case = store.cases.get(journey.CASE_ID)
    store.cases.save(case.transition("solved"))
    takeover = tick(store, journey.CASE_ID, "feedback_asked", at=WHEN)
    assert "feedback_asked" in takeover.ticked


def test_tick_without_any_handoff_names_the_case(store: Store) -> None:
    with pytest.raises(InvalidInput, match="case_id='case_card'"):
        tick(store, journey.CASE_ID, "history_reviewed", at=WHEN)


def test_handoff_from_a_case_without_contact_needs_a_channel() -> None:
    store = MemoryStore()
    store.customers.save(journey.customer())
    store.cases.save(journey.case())
    packet = prepare_handoff(store, journey.CASE_ID, to_channel="chat", viewer=AGENT, at=WHEN)
    assert packet.journey == ()
    assert packet.history == ()
    assert packet.from_channel is None
    with pytest.raises(InvalidInput, match="from_channel"):
        record_handoff(store, packet, reason="x", at=WHEN)
    made = record_handoff(
        store, packet, reason="x", at=WHEN, agent_id="ag_tom", from_channel="web"
    )
    assert made.from_channel == "web"


def test_naive_time_is_refused(store: Store) -> None:
    with pytest.raises(InvalidInput, match="at="):
        prepare_handoff(
            store, journey.CASE_ID, to_channel="chat", viewer=AGENT, at=WHEN.replace(tzinfo=None)
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [("history_chars", 0), ("recent", -2), ("lookback", 1.5), ("checklist", ())],
)
def test_bad_settings_name_the_field(field: str, value: object) -> None:
    with pytest.raises(InvalidInput, match=field):
        HandoffSettings(**{field: value})  # type: ignore[arg-type]


def test_bad_roles_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="fields"):
        Role("x", {"secrets"})
    with pytest.raises(InvalidInput, match=r"roles\.x\.fields"):
        AccessPolicy.from_dict({"x": {"fields": "all"}})
    with pytest.raises(InvalidInput, match=r"viewer\.role"):
        Viewer("a", "Not A Role")


# -- the history budget ---------------------------------------------------------

_sentence = st.from_regex(r"[A-Z][a-z]{1,12}( [a-z]{1,9}){0,12}[.!?]", fullmatch=True)
_text = st.lists(_sentence, min_size=1, max_size=6).map(" ".join)


def _entries(texts: list[str]) -> list[HistoryEntry]:
    return [
        HistoryEntry(
            id=f"h{n}",
            at=journey.at(n),
            channel="chat",
            actor="customer" if n % 2 == 0 else "agent",
            kind="message",
            text=text,
        )
        for n, text in enumerate(texts)
    ]


@settings(max_examples=150)
@given(
    texts=st.lists(_text, min_size=1, max_size=25),
    budget=st.integers(min_value=1, max_value=1500),
    recent=st.integers(min_value=1, max_value=4),
)
def test_history_keeps_first_and_latest_and_never_cuts_mid_sentence(
    texts: list[str], budget: int, recent: int
) -> None:
    entries = _entries(texts)
    kept, omitted = _trim(entries, 0, HandoffSettings(history_chars=budget, recent=recent))
    ids = [e.id for e in kept]
    assert ids == sorted(ids, key=lambda i: int(i[1:]))  # in time order
    assert omitted == len(entries) - len(kept)
    assert "h0" in ids
    assert all(e.id in ids for e in entries[-recent:])
    by_id = {e.id: e.text for e in entries}
    for entry in kept:
        original = by_id[entry.id]
        assert original.startswith(entry.text)
        assert entry.truncated == (entry.text != original)
        assert entry.text[-1] in ".!?"  # whole sentences only
    optional = [e for e in kept if e.id != "h0" and e.id not in {x.id for x in entries[-recent:]}]
    if optional:
        assert sum(len(e.text) for e in kept) <= budget


def test_history_budget_on_a_long_case(store: Store) -> None:
    packet = prepare_handoff(
        store,
        journey.CASE_ID,
        to_channel="phone",
        viewer=AGENT,
        at=WHEN,
        settings=HandoffSettings(history_chars=150, recent=1),
    )
    ids = [e.id for e in packet.history or ()]
    assert ids[0] == "tw-1"
    assert ids[-1] == "ch-3"
    assert packet.history_omitted >= 1
    first = (packet.history or ())[0]
    assert first.truncated
    assert first.text.endswith("Lisbon.")


def test_a_packet_as_of_an_earlier_time_shows_only_what_was_known(store: Store) -> None:
    early = journey.at(12)  # after the private message, before the chat
    packet = prepare_handoff(
        store, journey.CASE_ID, to_channel="chat", viewer=AGENT, at=early, settings=_settings()
    )
    assert [s.channel for s in packet.journey or ()] == ["social_public", "social_private"]
    assert [e.id for e in packet.history or ()][-1] == "dm-1"
    assert packet.notes == ()
    assert packet.checkpoints_done == ()  # identity_verified happened at 70 min
    assert packet.checkpoints_pending == ("identity_verified", "card_frozen")
    ids = {i.kind: i for i in (packet.customer.identities if packet.customer else None) or ()}
    assert not ids["email"].verified  # verified at 70 min, not yet
    assert ids["email"].verified_at is None
    assert packet.open_question is not None
    assert packet.open_question.id == "dm-1"


def test_a_case_of_a_merged_profile_shows_the_surviving_customer(store: Store) -> None:
    from omnicontext.model import Case, Customer

    store.customers.save(Customer(id="cus_old", merged_into=journey.CUSTOMER_ID))
    store.cases.save(Case(id="case_x", customer_id="cus_old", subject="Old profile's case"))
    packet = prepare_handoff(store, "case_x", to_channel="email", viewer=AGENT, at=WHEN)
    assert packet.customer_id == journey.CUSTOMER_ID
    assert packet.customer is not None
    assert packet.customer.name == "Ada Okafor"
    (record,) = store.access_log.for_customer(journey.CUSTOMER_ID).items
    assert record.case_id == "case_x"
