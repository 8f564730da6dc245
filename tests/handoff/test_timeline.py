from __future__ import annotations

import itertools
import random
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.handoff.timeline import Timeline, case_timeline, customer_timeline
from omnicontext.model import Call, Message, Note
from omnicontext.storage import MemoryStore, SQLiteStore, Store

from . import journey


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: object) -> Store:
    if request.param == "memory":
        return MemoryStore()
    return SQLiteStore(f"{tmp_path}/s.db")


def test_journey_of_the_card_case_has_three_segments_before_the_call() -> None:
    timeline = Timeline.of(journey.interactions()).for_case(journey.CASE_ID)
    segments = timeline.journey()
    assert [s.channel for s in segments] == ["social_public", "social_private", "chat"]
    assert [len(s) for s in segments] == [2, 2, 3]
    assert [s.inbound for s in segments] == [1, 1, 2]
    assert segments[2].started_at == journey.at(60)
    assert segments[2].ended_at == journey.at(75)
    assert timeline.journey_path() == "social_public -> social_private -> chat"


def test_internal_records_never_open_a_segment() -> None:
    # The note is on "chat" and the status on "social_public", between other
    # channels' records: neither splits or adds a segment.
    records = [*journey.interactions(), journey.phone_call()]
    timeline = Timeline.of(records).for_case(journey.CASE_ID)
    assert timeline.journey_path() == "social_public -> social_private -> chat -> phone"
    assert any(isinstance(i, Note) for i in timeline)


def test_call_segment_ends_when_the_call_ends() -> None:
    call = journey.phone_call()
    (segment,) = Timeline.of([call]).journey()
    assert segment.ended_at == journey.at(104)
    assert segment.duration == timedelta(minutes=9)


def test_timeline_sorts_by_instant_then_id_and_drops_repeated_ids() -> None:
    records = journey.interactions()
    shuffled = records[:]
    random.Random(4).shuffle(shuffled)
    timeline = Timeline.of([*shuffled, records[3]])
    assert len(timeline) == len(records)
    keys = [(i.occurred_at, i.id) for i in timeline]
    assert keys == sorted(keys)
    assert timeline[0].id == "old-1"
    assert timeline.first_at == journey.at(-30 * 24 * 60)
    assert timeline.last_at == journey.at(75)


def test_between_is_half_open() -> None:
    timeline = Timeline.of(journey.interactions())
    part = timeline.between(journey.at(5), journey.at(60))
    assert [i.id for i in part] == ["tw-2", "ho-1", "dm-1", "dm-2", "ho-2"]
    assert Timeline.of([]).first_at is None
    assert Timeline.of([]).journey() == ()


def test_channels_in_order_of_first_use() -> None:
    timeline = Timeline.of(journey.interactions())
    assert timeline.channels() == ("email", "social_public", "social_private", "chat")


@given(st.lists(st.sampled_from(["chat", "email", "phone"]), max_size=30))
def test_segments_partition_the_customer_facing_records(channels: list[str]) -> None:
    records = [
        Message(
            id=f"m{n:03d}",
            occurred_at=journey.at(n),
            channel=ch,
            case_id="c1",
            actor="customer",
            direction="inbound",
            body="x",
        )
        for n, ch in enumerate(channels)
    ]
    segments = Timeline.of(records).journey()
    assert [i for s in segments for i in s.interaction_ids] == [r.id for r in records]
    assert all(a.channel != b.channel for a, b in itertools.pairwise(segments))


def test_store_timelines_read_every_page_and_the_tail(store: Store) -> None:
    store.interactions.append_many(journey.interactions())
    store.interactions.append_many(
        Call(
            id=f"c{n:04d}",
            occurred_at=journey.at(200 + n),
            channel="phone",
            case_id=journey.CASE_ID,
            customer_id=journey.CUSTOMER_ID,
            actor="customer",
            direction="inbound",
        )
        for n in range(1200)
    )
    whole = case_timeline(store, journey.CASE_ID)
    assert len(whole) == 11 + 1200
    tail = case_timeline(store, journey.CASE_ID, limit=3)
    assert [i.id for i in tail] == ["c1197", "c1198", "c1199"]
    mine = customer_timeline(store, journey.CUSTOMER_ID, limit=600)
    assert len(mine) == 600
    assert mine[-1].id == "c1199"
    assert (
        len(customer_timeline(store, journey.CUSTOMER_ID)) == 12 + 1200
    )  # the status change names no customer


@pytest.mark.parametrize("limit", [0, -1, 1.5, True])
def test_bad_limit_names_the_field(limit: object, store: Store) -> None:
    with pytest.raises(InvalidInput, match="limit"):
        case_timeline(store, "x", limit=limit)  # type: ignore[arg-type]
