"""The result types every KPI returns, and the catalogue of metrics.

A result always carries its value, its sample size ``n`` and its unit, so a
number on a dashboard can be traced to what it counts. Percentages are ``0`` to
``100``; times are seconds.

>>> Rate.of(43, 50).to_dict()
{'value': 86.0, 'n': 50, 'unit': '%', 'count': 43}
>>> Durations.of([60.0, 120.0, 600.0], open=1).to_dict()
{'mean': 260.0, 'median': 120.0, 'p90': 504.0, 'n': 3, 'unit': 's', 'open': 1}
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias

import attrs

__all__ = [
    "METRICS",
    "Better",
    "Count",
    "Durations",
    "MetricInfo",
    "Nps",
    "Rate",
    "Resolution",
    "Result",
    "percentile",
]


def percentile(ordered: Sequence[float], q: float) -> float | None:
    """The ``q``-quantile (``0 <= q <= 1``) of sorted values, by linear interpolation.

    The rank is ``q * (n - 1)`` and values between ranks are interpolated, as
    numpy's and pandas' default (``statistics.quantiles(method="inclusive")``).
    ``None`` for no values.

    >>> percentile([10.0, 20.0, 30.0, 40.0], 0.5)
    25.0
    >>> percentile([10.0, 20.0, 30.0, 40.0], 0.9)
    37.0
    """
    if not ordered:
        return None
    rank = q * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    fraction = rank - low
    return ordered[low] + (ordered[high] - ordered[low]) * fraction


@attrs.frozen
class Rate:
    """A share, as a percentage: ``count`` of ``n``; ``value`` is ``None`` when ``n`` is 0.

    ``threshold_seconds`` is set for a service level (answered within that many
    seconds).
    """

    value: float | None
    n: int
    unit: str = "%"
    count: int = 0
    threshold_seconds: float | None = None

    @classmethod
    def of(cls, count: int, n: int, *, threshold_seconds: float | None = None) -> Rate:
        """``count`` out of ``n`` as a percentage."""
        value = 100.0 * count / n if n else None
        return cls(value, n, "%", count, threshold_seconds)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``value``, ``n``, ``unit``, ``count`` (and ``threshold_seconds``)."""
        out: dict[str, Any] = {
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "count": self.count,
        }
        if self.threshold_seconds is not None:
            out["threshold_seconds"] = self.threshold_seconds
        return out


@attrs.frozen
class Nps:
    """Net promoter score: % promoters (9-10) minus % detractors (0-6), -100 to 100.

    >>> Nps.of(promoters=5, passives=3, detractors=2).value
    30.0
    """

    value: float | None
    n: int
    unit: str = "points"
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @classmethod
    def of(cls, *, promoters: int, passives: int, detractors: int) -> Nps:
        """The score of these counts (``None`` when there are no answers)."""
        n = promoters + passives + detractors
        value = 100.0 * (promoters - detractors) / n if n else None
        return cls(value, n, "points", promoters, passives, detractors)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``value``, ``n``, ``unit`` and the three counts."""
        return {
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
        }


@attrs.frozen
class Durations:
    """A time metric over ``n`` measured items: mean, median and 90th percentile, in seconds.

    ``open`` counts the items that have not reached their end yet (a case with
    no response, an unresolved case): they are not in the statistics, and they
    are never dropped silently. Percentiles interpolate linearly
    (:func:`percentile`).
    """

    mean: float | None
    median: float | None
    p90: float | None
    n: int
    unit: str = "s"
    open: int = 0

    @classmethod
    def of(cls, values: Sequence[float], *, open: int = 0) -> Durations:
        """The statistics of ``values`` (any order)."""
        ordered = sorted(values)
        n = len(ordered)
        mean = None
        if n:
            try:
                mean = math.fsum(ordered) / n
            except OverflowError:  # a sum past the largest float: divide first
                mean = math.fsum(v / n for v in ordered)
        return cls(mean, percentile(ordered, 0.5), percentile(ordered, 0.9), n, "s", open)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``mean``, ``median``, ``p90``, ``n``, ``unit``, ``open``."""
        return {
            "mean": self.mean,
            "median": self.median,
            "p90": self.p90,
            "n": self.n,
            "unit": self.unit,
            "open": self.open,
        }


@attrs.frozen
class Resolution:
    """Resolution time two ways: to the ``first`` ``solved`` status and to the last
    (``full``). A case reopened and not solved again is open for ``full``."""

    first: Durations
    full: Durations

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``{"first": ..., "full": ...}``."""
        return {"first": self.first.to_dict(), "full": self.full.to_dict()}


@attrs.frozen
class Count:
    """A plain count, such as the number of cases (``volume``)."""

    value: int
    unit: str = "cases"

    @property
    def n(self) -> int:
        """The sample size of a count is the count."""
        return self.value

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``value``, ``n``, ``unit``."""
        return {"value": self.value, "n": self.value, "unit": self.unit}


Result: TypeAlias = Rate | Nps | Durations | Resolution | Count
"""Any KPI result."""


class Better(enum.StrEnum):
    """Which way a metric improves."""

    HIGHER = "higher"
    LOWER = "lower"


@attrs.frozen
class MetricInfo:
    """What a metric is called, its unit, and which way is better."""

    key: str
    label: str
    unit: str
    better: Better
    description: str


def _info(key: str, label: str, unit: str, better: str, description: str) -> MetricInfo:
    return MetricInfo(key, label, unit, Better(better), description)


METRICS: Mapping[str, MetricInfo] = {
    m.key: m
    for m in (
        _info("volume", "Cases", "cases", "higher", "cases with a customer contact"),
        _info("csat", "CSAT", "%", "higher", "csat answers scoring 4 or 5 out of 5"),
        _info("nps", "NPS", "points", "higher", "% promoters (9-10) minus % detractors (0-6)"),
        _info(
            "first_response_time",
            "First response",
            "s",
            "lower",
            "first customer contact to the first human agent response",
        ),
        _info(
            "resolution_time",
            "Resolution",
            "s",
            "lower",
            "first customer contact to the first (and last) solved status",
        ),
        _info("fcr", "First contact resolution", "%", "higher", "solved cases resolved at once"),
        _info("reopen_rate", "Reopened", "%", "lower", "solved cases opened again"),
        _info("aht", "Average handle time", "s", "lower", "call talk time plus wrap-up"),
        _info(
            "service_level",
            "Service level",
            "%",
            "higher",
            "live contacts answered within the threshold, abandoned ones included",
        ),
        _info("abandonment_rate", "Abandoned", "%", "lower", "live contacts never answered"),
        _info(
            "sla_compliance",
            "SLA compliance",
            "%",
            "higher",
            "cases that met their channel and priority targets",
        ),
        _info(
            "channel_switch_rate",
            "Channel switches",
            "%",
            "lower",
            "cases that spanned more than one channel",
        ),
        _info(
            "repeat_contact_rate",
            "Repeat contacts",
            "%",
            "lower",
            "answered cases where the customer had to come back",
        ),
    )
}
"""Every metric a report holds, in display order."""
