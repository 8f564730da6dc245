"""The bundled demo scenario is valid and tells the story the demo claims:
raw identifiers that become one customer, and one look-alike who does not."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from omnicontext._demo import scenario
from omnicontext.errors import InvalidInput
from omnicontext.identity import STRONG_KINDS, normalize_identity, silo_report
from omnicontext.model import (
    BUILTIN_CHANNELS,
    Call,
    EvidenceKind,
    Handoff,
    Interaction,
    Message,
    StatusChange,
    SuggestionStatus,
    Survey,
    allowed_transitions,
)
from omnicontext.storage import Store, open_store, read_jsonl

ADA = scenario.CUSTOMER_ID
RULE = "verified_strong_identifier"


@pytest.fixture(scope="module")
def lines() -> list[Interaction]:
    """The scenario's lines, in file order."""
    parsed = list(read_jsonl(io.BytesIO(scenario.interactions_jsonl())))
    rejected = [(n, item) for n, item in parsed if isinstance(item, InvalidInput)]
    assert rejected == []
    return [item for _, item in parsed if not isinstance(item, InvalidInput)]


@pytest.fixture(scope="module")
def timeline(lines: list[Interaction]) -> list[Interaction]:
    return sorted(lines, key=lambda i: (i.occurred_at, i.id))


@pytest.fixture(scope="module")
def loaded() -> Iterator[tuple[Store, scenario.Story]]:
    with open_store("memory://") as store:
        yield store, scenario.load(store)


def _journey(items: list[Interaction]) -> list[str]:
    channels: list[str] = []
    for item in items:
        if not channels or channels[-1] != item.channel:
            channels.append(item.channel)
    return channels


def _key(identity: Any) -> str:
    return normalize_identity(identity, region=scenario.REGION).key


# -- the file ---------------------------------------------------------------------


def test_the_scenario_parses_with_no_rejections(timeline: list[Interaction]) -> None:
    assert 12 <= len(timeline) <= 24
    assert len({i.id for i in timeline}) == len(timeline)


def test_the_lines_and_the_events_are_in_time_order(lines: list[Interaction]) -> None:
    # The loader resolves line by line and applies each event when the story
    # reaches its time: both must be in time order.
    times = [i.occurred_at for i in lines]
    assert times == sorted(times)
    events = [e.at for e in scenario.EVENTS]
    assert events == sorted(events)
    assert lines[0].occurred_at < events[0]


def test_no_line_names_its_customer_only_a_raw_identifier_or_its_case(
    lines: list[Interaction],
) -> None:
    assert all(i.customer_id is None for i in lines)
    assert all(i.identity is not None or i.case_id == scenario.CASE_ID for i in lines)
    # Conversations carry the identifier they came with; workflow records only the case.
    for item in lines:
        assert (item.identity is not None) == isinstance(item, Message | Call), item.id


def test_each_channel_brings_its_own_kind_of_identifier(lines: list[Interaction]) -> None:
    kinds = {(i.channel, i.identity.kind.value) for i in lines if i.identity is not None}
    assert kinds == {
        ("social_public", "social"),
        ("social_private", "social"),
        ("chat", "email"),
        ("phone", "phone"),
    }


def test_the_raw_identifiers_are_untidy_but_normalise_to_three_keys(
    lines: list[Interaction],
) -> None:
    raw = {i.identity.value: _key(i.identity) for i in lines if i.identity is not None}
    assert raw == {
        "@Ada_Okafor": "social:twitter:@ada_okafor",
        "https://twitter.com/Ada_Okafor": "social:twitter:@ada_okafor",
        " Ada.Okafor@Example.com": "email:ada.okafor@example.com",
        "07911 123456": "phone:+447911123456",
    }
    assert lines[0].identity == scenario.ENTRY_IDENTITY


def test_the_journey_is_public_post_private_message_chat_phone_in_time_order(
    timeline: list[Interaction],
) -> None:
    assert _journey(timeline) == ["social_public", "social_private", "chat", "phone"]
    assert timeline[0].channel == "social_public"
    assert timeline[0].type == "message"


def test_timestamps_are_aware_and_span_one_morning(timeline: list[Interaction]) -> None:
    assert all(i.occurred_at.utcoffset() is not None for i in timeline)
    span = timeline[-1].occurred_at - timeline[0].occurred_at
    assert 0 < span.total_seconds() < 24 * 3600


def test_each_handoff_names_the_channels_it_joins(timeline: list[Interaction]) -> None:
    handoffs = [i for i in timeline if isinstance(i, Handoff)]
    journey = _journey(timeline)
    assert [(h.from_channel, h.to_channel) for h in handoffs] == list(itertools.pairwise(journey))
    assert all(h.channel == h.from_channel for h in handoffs)


def test_the_status_moves_open_pending_solved_legally(timeline: list[Interaction]) -> None:
    statuses = [i.status for i in timeline if isinstance(i, StatusChange)]
    assert [s.value for s in statuses] == ["open", "pending", "solved"]
    for before, after in itertools.pairwise(statuses):
        assert after in allowed_transitions(before)
    assert scenario.case().status == statuses[-1]


def test_the_phone_call_is_inbound_answered_and_then_surveyed(
    timeline: list[Interaction],
) -> None:
    (call,) = [i for i in timeline if isinstance(i, Call)]
    assert call.direction == "inbound"
    assert not call.abandoned
    assert call.talk_seconds is not None
    assert call.talk_seconds > 60
    (survey,) = [i for i in timeline if isinstance(i, Survey)]
    assert survey.csat is not None
    assert survey.occurred_at > call.occurred_at


def test_checkpoints_are_done_before_the_phone_call_on_channels_of_the_journey(
    timeline: list[Interaction],
) -> None:
    (call,) = [i for i in timeline if isinstance(i, Call)]
    checkpoints = scenario.case().checkpoints
    assert {c.name for c in checkpoints} == {"identity_verified", "card_frozen"}
    assert all(c.done_at < call.occurred_at for c in checkpoints)
    assert all(c.channel in _journey(timeline) for c in checkpoints)


def test_messages_fit_their_channel(timeline: list[Interaction]) -> None:
    for item in timeline:
        limit = BUILTIN_CHANNELS[item.channel].max_message_length
        body = getattr(item, "body", "")
        assert limit is None or len(body) <= limit, item.id


def test_the_verifications_happen_in_the_conversations_they_belong_to(
    timeline: list[Interaction],
) -> None:
    email, otp, typo = scenario.EVENTS
    (call,) = [i for i in timeline if isinstance(i, Call)]
    assert (email.channel, email.verified, email.method) == ("chat", True, "email_link")
    chat = [i for i in timeline if i.channel == "chat"]
    assert chat[0].occurred_at < email.at < chat[-1].occurred_at
    assert (otp.channel, otp.verified, otp.method) == ("phone", True, "otp_sms")
    assert call.answered_at is not None
    assert call.ended_at is not None
    assert call.answered_at < otp.at < call.ended_at
    assert email.customer_id is None  # the person in the conversation
    assert otp.customer_id is None
    assert (typo.customer_id, typo.verified) == (scenario.OTHER_ADA_ID, False)
    assert typo.at > timeline[-1].occurred_at


def test_before_the_day_the_profiles_share_no_identifier() -> None:
    profiles = scenario.profiles()
    assert [p.id for p in profiles] == [ADA, scenario.PHONE_BANKING_ID, scenario.OTHER_ADA_ID]
    keys = [{i.key for i in p.identities} for p in profiles]
    assert all(not a & b for a, b in itertools.combinations(keys, 2))
    assert all(i.verified and i.kind in STRONG_KINDS for p in profiles for i in p.identities)
    assert all(normalize_identity(i) == i for p in profiles for i in p.identities)


# -- loading it through the resolver ----------------------------------------------------------


def test_everything_is_imported(loaded: tuple[Store, scenario.Story]) -> None:
    store, story = loaded
    assert story.report.ok
    assert story.report.added == len(list(read_jsonl(io.BytesIO(scenario.interactions_jsonl()))))
    assert store.interactions.count() == story.report.added


def test_each_raw_identifier_first_creates_or_finds_a_profile(
    loaded: tuple[Store, scenario.Story],
) -> None:
    _, story = loaded
    seen = {(a.raw.value, a.customer_id, a.created) for a in story.arrivals}
    assert seen == {
        ("@Ada_Okafor", "cus_new_1", True),
        ("@Ada_Okafor", "cus_new_1", False),
        ("https://twitter.com/Ada_Okafor", "cus_new_1", False),
        (" Ada.Okafor@Example.com", ADA, False),
        ("07911 123456", scenario.PHONE_BANKING_ID, False),
    }
    assert [a.created for a in story.arrivals].count(True) == 1
    assert story.arrivals[0].interaction_id == "ada-tw-1"


def test_the_final_customer_holds_the_handle_the_email_and_the_phone(
    loaded: tuple[Store, scenario.Story],
) -> None:
    store, _ = loaded
    ada = store.customers.get(ADA)
    assert ada.merged_into is None
    assert ada.display_name == "Ada Okafor"
    assert ada.time_zone == "Europe/London"
    held = {i.key: i for i in ada.identities}
    assert set(held) == {
        "social:twitter:@ada_okafor",
        "email:ada.okafor@example.com",
        "phone:+447911123456",
    }
    assert held["email:ada.okafor@example.com"].verified
    assert held["phone:+447911123456"].verified
    assert held["phone:+447911123456"].verification_method == "otp_sms"
    (found,) = store.customers.find_by_identity(_key(scenario.ENTRY_IDENTITY))
    assert found.id == ADA


def test_exactly_the_expected_merges_happened_by_the_verified_strong_identifier_rule(
    loaded: tuple[Store, scenario.Story],
) -> None:
    store, story = loaded
    assert [(m.absorbed_id, m.survivor_id) for m in story.merges] == [
        ("cus_new_1", ADA),
        (scenario.PHONE_BANKING_ID, ADA),
    ]
    assert store.merges.count() == 2
    assert [m.id for m in store.merges.for_customer(ADA)] == [m.id for m in story.merges]
    for merge, key in zip(
        story.merges, ["email:ada.okafor@example.com", "phone:+447911123456"], strict=True
    ):
        assert merge.rule == RULE
        assert merge.actor is None
        assert not merge.undone
        decisive = [e for e in merge.evidence if e.identity_key == key]
        assert [e.verified_on for e in decisive] == [2]
    for absorbed in ("cus_new_1", scenario.PHONE_BANKING_ID):
        gone = store.customers.get(absorbed)
        assert gone.merged_into == ADA
        assert gone.identities == ()


def test_the_other_ada_is_a_separate_customer_with_one_pending_suggestion(
    loaded: tuple[Store, scenario.Story],
) -> None:
    store, story = loaded
    other = store.customers.get(scenario.OTHER_ADA_ID)
    assert other.merged_into is None
    assert other.display_name == store.customers.get(ADA).display_name
    phone = other.identity("phone:+447911123456")
    assert phone is not None
    assert not phone.verified
    (suggestion,) = story.suggestions
    assert store.suggestions.count(SuggestionStatus.PENDING) == 1
    assert store.suggestions.get(suggestion.id) == suggestion
    assert suggestion.status == SuggestionStatus.PENDING
    assert set(suggestion.customer_ids) == {ADA, scenario.OTHER_ADA_ID}
    assert 0.3 <= suggestion.score < 1
    by_kind = {e.kind: e for e in suggestion.evidence}
    assert by_kind[EvidenceKind.SHARED_IDENTIFIER].identity_key == "phone:+447911123456"
    assert by_kind[EvidenceKind.SHARED_IDENTIFIER].verified_on == 1
    assert EvidenceKind.SAME_NAME in by_kind
    assert all(scenario.OTHER_ADA_ID not in m.customer_ids for m in story.merges)


def test_every_interaction_of_the_story_is_attached_to_the_one_customer(
    loaded: tuple[Store, scenario.Story],
) -> None:
    store, story = loaded
    stored = [i for chunk in store.interactions.scan() for i in chunk]
    assert {i.customer_id for i in stored} == {ADA}
    page = store.interactions.customer_timeline(ADA, limit=100)
    assert len(page) == story.report.added
    assert store.cases.get(scenario.CASE_ID).customer_id == ADA
    report = silo_report(store)
    assert (report.customers, report.merged_profiles) == (2, 2)
    assert report.unlinked_interactions == 0
    assert report.pending_suggestions == 1


def test_the_case_ends_the_day_solved_with_its_checkpoints(
    loaded: tuple[Store, scenario.Story],
) -> None:
    store, _ = loaded
    case = store.cases.get(scenario.CASE_ID)
    final = scenario.case()
    assert case.status == final.status
    assert case.checkpoints == final.checkpoints


def _picture(store: Store, story: scenario.Story) -> Any:
    customers = [c for chunk in store.customers.scan() for c in chunk]
    interactions = [i for chunk in store.interactions.scan() for i in chunk]
    merges = [
        m.model_dump(exclude={"id"}) for m in store.merges.for_customer(scenario.CUSTOMER_ID)
    ]
    return customers, interactions, merges, story.arrivals, list(story.suggestions)


def test_loading_is_deterministic() -> None:
    pictures = []
    for _ in range(2):
        with open_store("memory://") as store:
            pictures.append(_picture(store, scenario.load(store)))
    assert pictures[0] == pictures[1]
