"""Hypothesis strategies for work and presence spans, shared by the workload tests.

Every time they draw is a whole number of minutes from ``T0`` (see
:func:`omnicontext.testing.factories.minutes`), so brute-force references can
step minute by minute.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from omnicontext.routing.capacity import CapacityProfile
from omnicontext.testing.factories import minutes
from omnicontext.workload.activity import PresenceSpan, WorkSpan

PROFILE = CapacityProfile.default()


@st.composite
def work_spans(
    draw: st.DrawFn,
    *,
    agents: Sequence[str],
    channels: Sequence[str],
    last_start: int,
    longest: int,
    longest_wrap_up: int,
    items: int,
) -> WorkSpan:
    """One item worked by one of ``agents``, with the default profile's units."""
    channel = draw(st.sampled_from(channels))
    start = draw(st.integers(0, last_start))
    length = draw(st.integers(0, longest))
    wrap = draw(st.one_of(st.none(), st.integers(0, longest_wrap_up)))
    spec = PROFILE.spec(channel)
    return WorkSpan(
        agent_id=draw(st.sampled_from(agents)),
        item_id=f"it{draw(st.integers(0, items - 1))}",
        channel=channel,
        start=minutes(start),
        end=minutes(start + length),
        units=spec.units,
        exclusive=spec.exclusive,
        wrap_up_end=None if wrap is None else minutes(start + length + wrap),
    )


@st.composite
def presence_spans(
    draw: st.DrawFn, *, agents: Sequence[str], first_start: int, last_start: int
) -> PresenceSpan:
    """One stretch of presence, up to two hours long, for one of ``agents``."""
    start = draw(st.integers(first_start, last_start))
    return PresenceSpan(
        agent_id=draw(st.sampled_from(agents)),
        presence=draw(st.sampled_from(["available", "busy", "away", "offline"])),
        start=minutes(start),
        end=minutes(start + draw(st.integers(0, 120))),
    )
