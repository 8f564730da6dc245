"""The bundled demo scenario is valid and tells the story the demo claims."""

from __future__ import annotations

import io
import itertools

import pytest

from omnicontext._demo import scenario
from omnicontext.errors import InvalidInput
from omnicontext.model import (
    BUILTIN_CHANNELS,
    Call,
    Handoff,
    Interaction,
    StatusChange,
    Survey,
    allowed_transitions,
)
from omnicontext.storage import read_jsonl


@pytest.fixture(scope="module")
def timeline() -> list[Interaction]:
    parsed = list(read_jsonl(io.BytesIO(scenario.interactions_jsonl())))
    rejected = [(n, item) for n, item in parsed if isinstance(item, InvalidInput)]
    assert rejected == []
    items = [item for _, item in parsed if not isinstance(item, InvalidInput)]
    return sorted(items, key=lambda i: (i.occurred_at, i.id))


def _journey(items: list[Interaction]) -> list[str]:
    channels: list[str] = []
    for item in items:
        if not channels or channels[-1] != item.channel:
            channels.append(item.channel)
    return channels


def test_the_scenario_parses_with_no_rejections(timeline: list[Interaction]) -> None:
    assert 12 <= len(timeline) <= 20
    assert len({i.id for i in timeline}) == len(timeline)


def test_the_journey_is_public_post_private_message_chat_phone_in_time_order(
    timeline: list[Interaction],
) -> None:
    assert _journey(timeline) == ["social_public", "social_private", "chat", "phone"]
    assert timeline[0].channel == "social_public"
    assert timeline[0].type == "message"


def test_every_interaction_belongs_to_the_demo_customer_and_case(
    timeline: list[Interaction],
) -> None:
    assert {i.customer_id for i in timeline} == {scenario.CUSTOMER_ID}
    assert {i.case_id for i in timeline} == {scenario.CASE_ID}
    assert scenario.case().customer_id == scenario.customer().id == scenario.CUSTOMER_ID


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


def test_the_customer_is_known_by_the_identities_the_interactions_arrived_with(
    timeline: list[Interaction],
) -> None:
    customer = scenario.customer()
    assert customer.time_zone == "Europe/London"
    keys = {i.key for i in customer.identities}
    arrived = {i.identity.key for i in timeline if i.identity is not None}
    assert arrived
    assert arrived <= keys
    assert scenario.ENTRY_IDENTITY.key in keys
    assert {i.kind.value for i in customer.identities} == {"social", "email", "phone"}


def test_messages_fit_their_channel(timeline: list[Interaction]) -> None:
    for item in timeline:
        limit = BUILTIN_CHANNELS[item.channel].max_message_length
        body = getattr(item, "body", "")
        assert limit is None or len(body) <= limit, item.id
