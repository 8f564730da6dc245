"""Agent occupancy as a KPI: the share of on-duty time each agent spent handling work.

This is :func:`omnicontext.workload.measure_occupancy` over the work that
:func:`omnicontext.workload.spans_from_interactions` finds in interactions,
given as KPI results: ``value`` in percent, ``n`` the on-duty seconds and
``count`` the busy seconds (both rounded to the second; ``value`` is exact).

>>> from datetime import timedelta
>>> from omnicontext.model import Call
>>> from omnicontext.testing.factories import T0, minutes
>>> call = Call(id="c1", occurred_at=T0, channel="phone", customer_id="c",
...             actor="customer", direction="inbound", agent_id="ana",
...             answered_at=T0, ended_at=minutes(45))
>>> result = agent_occupancy([call], start=T0, end=minutes(60))
>>> result["ana"].value, result["ana"].n, result["ana"].count
(75.0, 3600, 2700)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from omnicontext.kpi.results import Rate
from omnicontext.model import InteractionBase
from omnicontext.routing import CapacityProfile
from omnicontext.workload import (
    PresenceSpan,
    Ratio,
    measure_occupancy,
    spans_from_interactions,
)

__all__ = ["ALL_AGENTS", "agent_occupancy", "occupancy_rate"]

ALL_AGENTS = "(all)"
"""The key of the whole team's occupancy in :func:`agent_occupancy`'s result."""


def occupancy_rate(share: Ratio) -> Rate:
    """A workload :class:`~omnicontext.workload.Ratio` as a KPI :class:`Rate`:
    ``value`` in percent (``None`` with no time to divide by), ``n`` and
    ``count`` the denominator and numerator seconds, rounded."""
    value = 100.0 * share.value if share.denominator_seconds else None
    return Rate(
        value=value,
        n=round(share.denominator_seconds),
        unit="%",
        count=round(share.numerator_seconds),
    )


def agent_occupancy(
    interactions: Iterable[InteractionBase],
    *,
    start: datetime,
    end: datetime,
    presence: Iterable[PresenceSpan] | None = None,
    profile: CapacityProfile | None = None,
) -> Mapping[str, Rate]:
    """Occupancy of each agent over ``[start, end)``, and of all of them (:data:`ALL_AGENTS`).

    The interactions may come in any order (they are sorted by time, then id).
    Without ``presence``, every agent who worked is counted on duty for the
    whole window, so occupancy is busy time over the window; pass the
    agents' presence spans for occupancy over the time they were on duty.
    ``profile`` says which channels are exclusive work (calls) and what a
    conversation costs; see :func:`~omnicontext.workload.spans_from_interactions`.
    Bad windows raise :class:`~omnicontext.errors.InvalidInput`.
    """
    ordered = sorted(interactions, key=lambda item: (item.occurred_at, item.id))
    spans = spans_from_interactions(ordered, profile=profile)
    report = measure_occupancy(spans, presence, start=start, end=end)
    out = {agent: occupancy_rate(part.occupancy) for agent, part in sorted(report.agents.items())}
    out[ALL_AGENTS] = occupancy_rate(report.total.occupancy)
    return out
