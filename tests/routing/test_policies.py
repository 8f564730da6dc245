"""Policies, queue orders, overflow steps, queues and work items: their rules and errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.routing import (
    Fifo,
    LongestIdle,
    Policy,
    PriorityAgeing,
    Queue,
    Step,
    Sticky,
    WorkItem,
    filter_by,
    rank_by,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PRIORITIES = ["low", "normal", "high", "urgent"]
WEIGHT = {"low": 0, "normal": 1, "high": 2, "urgent": 3}


def work(name: str, seconds: float, priority: str = "normal", **fields: Any) -> WorkItem:
    return WorkItem(
        id=name,
        channel="email",
        priority=priority,
        created_at=T0 + timedelta(seconds=seconds),
        **fields,
    )


@given(
    st.sampled_from(PRIORITIES),
    st.sampled_from(PRIORITIES),
    st.floats(min_value=0, max_value=86_400),
    st.floats(min_value=0, max_value=86_400),
)
def test_ageing_serves_the_higher_effective_priority_first(
    p1: str, p2: str, t1: float, t2: float
) -> None:
    """At any moment, the item whose weight plus waited levels is higher goes first."""
    order = PriorityAgeing(per_level=timedelta(minutes=5))
    a, b = work("a", t1, p1), work("b", t2, p2)
    now = max(t1, t2) + 1
    effective_a = WEIGHT[p1] + (now - t1) / 300
    effective_b = WEIGHT[p2] + (now - t2) / 300
    if abs(effective_a - effective_b) > 1e-6:
        assert (order.key(a) < order.key(b)) == (effective_a > effective_b)


@given(st.sampled_from(PRIORITIES), st.floats(min_value=0, max_value=3600))
def test_nothing_starves_under_ageing(priority: str, t: float) -> None:
    """An item goes before any urgent item arriving more than (3 - weight) levels after it."""
    order = PriorityAgeing(per_level=timedelta(minutes=5))
    waiting = work("old", t, priority)
    later = t + (3 - WEIGHT[priority]) * 300 + 1
    assert order.key(waiting) < order.key(work("new", later, "urgent"))


def test_fifo_is_oldest_first() -> None:
    assert Fifo().key(work("a", 1)) < Fifo().key(work("b", 2, "urgent"))


def test_ageing_rejects_bad_settings() -> None:
    with pytest.raises(InvalidInput) as err:
        PriorityAgeing(per_level=timedelta(0))
    assert err.value.field == "per_level"
    with pytest.raises(InvalidInput) as err:
        PriorityAgeing(weights={"critical": 9})
    assert err.value.field == "weights.critical"


def test_a_policy_refuses_parts_that_are_not_policies() -> None:
    with pytest.raises(InvalidInput) as err:
        Policy(filters=("not a filter",), rankers=(object(),))  # type: ignore[arg-type]
    assert [e.field for e in err.value.errors] == ["filters[0]", "rankers[0]"]


def test_a_policy_is_indexable_only_when_every_ranker_reads_the_agent_alone() -> None:
    assert Policy(rankers=[LongestIdle()]).indexable
    assert not Policy(rankers=[rank_by("x", lambda a, ask, now: 0)]).indexable
    mine = filter_by("never", lambda a, ask, now: "no")
    assert Policy(filters=[mine]).describe().startswith("filters: never;")


def test_sticky_settings_are_checked() -> None:
    with pytest.raises(InvalidInput) as err:
        Sticky(wait=timedelta(seconds=-1))
    assert err.value.field == "wait"


def test_steps_require_what_they_say() -> None:
    item = work(
        "x",
        0,
        skills={"billing": 6},
        optional_skills={"french": 4},
        secondary_skills={"sales": 5},
    )
    assert Step("a").requirement(item) == {"billing": 6, "french": 4}
    assert Step("b", drop_optional=True).requirement(item) == {"billing": 6}
    assert Step("c", use_secondary=True).requirement(item) == {"sales": 5, "french": 4}
    assert Step("d", lower_levels=5).requirement(item) == {"billing": 1, "french": 1}
    assert Step("e", drop_skills=True).requirement(item) == {}


@pytest.mark.parametrize(
    ("steps", "field"),
    [
        ((), "steps"),
        ((Step("a"), Step("b")), "steps[0].until"),
        (
            (
                Step("a", until=timedelta(seconds=60)),
                Step("b", until=timedelta(seconds=30)),
                Step("c"),
            ),
            "steps[1].until",
        ),
    ],
)
def test_bad_overflow_steps_name_the_step(steps: tuple[Step, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Queue("q", steps=steps)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "a", "until": timedelta(0)}, "until"),
        ({"name": "a", "lower_levels": 12}, "lower_levels"),
    ],
)
def test_bad_step_fields_are_named(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Step(**fields)
    assert err.value.field == field


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channel": "pager"}, "channel"),
        ({"skills": {"billing": 0}}, "skills.billing"),
        ({"deadline": T0 - timedelta(seconds=1)}, "deadline"),
        ({"skills": {"a": 1}, "optional_skills": {"a": 2}}, "optional_skills"),
        ({"created_at": datetime(2026, 1, 5, 9, 0)}, "created_at"),
    ],
)
def test_bad_work_items_name_the_field(fields: dict[str, Any], field: str) -> None:
    data: dict[str, Any] = {"id": "it", "channel": "chat", "created_at": T0, **fields}
    with pytest.raises(InvalidInput) as err:
        WorkItem(**data)
    assert err.value.field == field
