"""Targets: where each metric should be, overall and per channel, and its colour.

A :class:`Threshold` has two levels. For a metric where higher is better
(CSAT), a value at or above ``green`` is green, at or above ``amber`` amber,
and below that red; where lower is better (first response time), the same
with "at or below". Time metrics are judged on one statistic (the median
unless ``statistic`` says ``mean`` or ``p90``; resolution time on
``first.median`` unless set to ``full.*``).

>>> from omnicontext.kpi import Durations, Rate
>>> targets = Targets.from_dict({"csat": {"green": 85, "amber": 75},
...     "first_response_time": {"green": 3600, "amber": 14400,
...                             "channels": {"chat": {"green": 60, "amber": 120}}}})
>>> targets.status("csat", Rate.of(80, 100))
<Status.AMBER: 'amber'>
>>> targets.status("first_response_time", Durations.of([90.0]), channel="chat")
<Status.AMBER: 'amber'>
>>> targets.status("first_response_time", Durations.of([90.0]))
<Status.GREEN: 'green'>
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from omnicontext._settings import read_settings
from omnicontext.errors import FieldError, InvalidInput
from omnicontext.kpi.results import METRICS, Better, Durations, Resolution, Result
from omnicontext.kpi.rules import SlaPolicy

__all__ = ["Status", "Targets", "Threshold", "statistic_of"]

_STATISTICS = ("mean", "median", "p90")


class Status(enum.StrEnum):
    """Where a metric stands against its target; ``none`` means no target or no data."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NONE = "none"


def _default_statistic(metric: str) -> str:
    if metric == "resolution_time":
        return "first.median"
    if METRICS[metric].unit == "s":
        return "median"
    return "value"


def statistic_of(result: Result, statistic: str = "value") -> float | None:
    """The number a target judges: ``value`` of a rate or count, ``mean`` /
    ``median`` / ``p90`` of a time, ``first.*`` / ``full.*`` of a resolution.

    >>> statistic_of(Durations.of([10.0, 20.0, 90.0]), "median")
    20.0
    """
    if isinstance(result, Resolution):
        which, _, stat = statistic.partition(".")
        part = result.first if which == "first" else result.full
        return statistic_of(part, stat or "median")
    if isinstance(result, Durations):
        value: float | None = getattr(result, statistic if statistic in _STATISTICS else "median")
        return value
    return None if result.value is None else float(result.value)


def _check_statistic(metric: str, statistic: str) -> str | None:
    unit = METRICS[metric].unit
    if metric == "resolution_time":
        which, _, stat = statistic.partition(".")
        if which in ("first", "full") and stat in _STATISTICS:
            return None
        return "expected first.mean, first.median, first.p90, full.mean, full.median or full.p90"
    if unit == "s":
        return None if statistic in _STATISTICS else "expected mean, median or p90"
    return None if statistic == "value" else "only 'value' applies to this metric"


@attrs.frozen
class Threshold:
    """The green and amber levels of one metric (see the module docs)."""

    green: float
    amber: float
    statistic: str = "value"


def _number(where: str, value: Any, errors: list[FieldError]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(FieldError(where, value, "must be a number"))
        return math.nan
    return float(value)


def _threshold(
    metric: str, where: str, data: Any, statistic: str | None, errors: list[FieldError]
) -> Threshold | None:
    if not isinstance(data, Mapping):
        errors.append(FieldError(where, data, "must be a table with green and amber"))
        return None
    before = len(errors)
    unknown = set(data) - {"green", "amber", "statistic", "channels"}
    for key in sorted(unknown):
        errors.append(FieldError(f"{where}.{key}", data[key], "unknown setting"))
    for key in ("green", "amber"):
        if key not in data:
            errors.append(FieldError(f"{where}.{key}", None, "is required"))
    if len(errors) > before:
        return None
    green = _number(f"{where}.green", data["green"], errors)
    amber = _number(f"{where}.amber", data["amber"], errors)
    stat = data.get("statistic", statistic or _default_statistic(metric))
    problem = _check_statistic(metric, stat) if isinstance(stat, str) else "must be text"
    if problem:
        errors.append(FieldError(f"{where}.statistic", stat, problem))
        return None
    if math.isnan(green) or math.isnan(amber):
        return None
    better = METRICS[metric].better
    if (better is Better.HIGHER and amber > green) or (better is Better.LOWER and amber < green):
        word = "above" if better is Better.HIGHER else "below"
        errors.append(
            FieldError(
                f"{where}.amber",
                amber,
                f"{metric} is better {better.value}, so amber must not be {word} green {green}",
            )
        )
        return None
    return Threshold(green, amber, stat)


@attrs.frozen
class Targets:
    """Per-metric thresholds, with per-channel overrides, and SLA targets.

    ``thresholds`` maps a metric key to its default :class:`Threshold`;
    ``channels`` maps ``(metric, channel)`` to an override. ``sla`` holds the
    per-channel, per-priority first response and resolution targets that
    ``sla_compliance`` counts against.
    """

    thresholds: Mapping[str, Threshold] = attrs.field(factory=dict)
    channels: Mapping[tuple[str, str], Threshold] = attrs.field(factory=dict)
    sla: SlaPolicy = attrs.field(factory=SlaPolicy)

    def threshold(self, metric: str, channel: str | None = None) -> Threshold | None:
        """The threshold that applies to ``metric`` (on ``channel``), or ``None``."""
        if channel is not None:
            found = self.channels.get((metric, channel))
            if found is not None:
                return found
        return self.thresholds.get(metric)

    def status(self, metric: str, result: Result, *, channel: str | None = None) -> Status:
        """Green, amber or red for ``result``; ``none`` without a target or data."""
        threshold = self.threshold(metric, channel)
        if threshold is None:
            return Status.NONE
        value = statistic_of(result, threshold.statistic)
        if value is None:
            return Status.NONE
        if METRICS[metric].better is Better.HIGHER:
            if value >= threshold.green:
                return Status.GREEN
            return Status.AMBER if value >= threshold.amber else Status.RED
        if value <= threshold.green:
            return Status.GREEN
        return Status.AMBER if value <= threshold.amber else Status.RED

    @classmethod
    def default(cls) -> Targets:
        """Common starting targets (adjust them to your own service promises).

        CSAT 85% / 75%; NPS 30 / 0; first response median 1 h / 4 h; first
        resolution median 24 h / 72 h; FCR 70% / 60%; reopened 5% / 10%;
        service level 80% / 70%; abandoned 5% / 10%; SLA compliance 90% /
        80%; repeat contacts 10% / 20%.
        """
        return cls.from_dict(
            {
                "csat": {"green": 85, "amber": 75},
                "nps": {"green": 30, "amber": 0},
                "first_response_time": {"green": 3600, "amber": 4 * 3600},
                "resolution_time": {"green": 24 * 3600, "amber": 72 * 3600},
                "fcr": {"green": 70, "amber": 60},
                "reopen_rate": {"green": 5, "amber": 10},
                "service_level": {"green": 80, "amber": 70},
                "abandonment_rate": {"green": 5, "amber": 10},
                "sla_compliance": {"green": 90, "amber": 80},
                "repeat_contact_rate": {"green": 10, "amber": 20},
            }
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Targets:
        """Read targets from a mapping (the form of a targets file)::

            csat = {green = 85, amber = 75}
            [first_response_time]
            green = 3600
            amber = 14400
            statistic = "median"
            channels.chat = {green = 60, amber = 120}
            [sla.chat."*"]
            first_response = 60

        Every problem found is reported in one :class:`InvalidInput`.
        """
        if not isinstance(data, Mapping):
            raise InvalidInput("targets", [FieldError("targets", data, "must be a table")])
        errors: list[FieldError] = []
        thresholds: dict[str, Threshold] = {}
        channels: dict[tuple[str, str], Threshold] = {}
        sla = SlaPolicy()
        for metric, spec in data.items():
            if metric == "sla":
                try:
                    sla = SlaPolicy.from_dict(spec)
                except InvalidInput as exc:
                    errors.extend(exc.errors)
                continue
            if metric not in METRICS or metric == "volume":
                known = ", ".join(m for m in METRICS if m != "volume")
                errors.append(FieldError(metric, spec, f"unknown metric; expected one of {known}"))
                continue
            found = _threshold(metric, metric, spec, None, errors)
            if found is None:
                continue
            thresholds[metric] = found
            per_channel = spec.get("channels", {})
            if not isinstance(per_channel, Mapping):
                errors.append(FieldError(f"{metric}.channels", per_channel, "must be a table"))
                continue
            for channel, override in per_channel.items():
                where = f"{metric}.channels.{channel}"
                if isinstance(override, Mapping) and "channels" in override:
                    errors.append(FieldError(f"{where}.channels", override, "cannot nest"))
                    continue
                own = _threshold(metric, where, override, found.statistic, errors)
                if own is not None:
                    channels[(metric, channel)] = own
        if errors:
            raise InvalidInput("targets", errors)
        return cls(thresholds, channels, sla)

    @classmethod
    def from_file(cls, path: str | Path) -> Targets:
        """Read a TOML (``.toml``) or JSON (``.json``) targets file."""
        data = read_settings(path, "targets")
        return cls.from_dict(data)
