"""The scorecard: a report judged against targets, as tiles, tables, JSON and HTML.

>>> from omnicontext.kpi import compute
>>> from omnicontext.model import Survey
>>> from omnicontext.testing.factories import T0
>>> surveys = [Survey(id=f"v{i}", occurred_at=T0, channel="email", case_id=f"k{i}",
...                   actor="customer", csat=score) for i, score in enumerate([5, 4, 4, 2])]
>>> card = scorecard(compute(surveys), Targets.default())
>>> [(tile.label, tile.display, tile.status.value) for tile in card.overall]
[('Cases', '0', 'none'), ('CSAT', '75.0%', 'amber')]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.kpi.engine import KpiReport
from omnicontext.kpi.results import (
    METRICS,
    Better,
    Count,
    Durations,
    Nps,
    Resolution,
    Result,
)
from omnicontext.kpi.targets import Status, Targets, Threshold, statistic_of

__all__ = [
    "RootCause",
    "Scorecard",
    "Tile",
    "format_duration",
    "format_value",
    "judge",
    "root_causes",
    "scorecard",
]

_ICONS = {Status.GREEN: "●", Status.AMBER: "▲", Status.RED: "✖", Status.NONE: "·"}
_ANSI = {Status.GREEN: "\x1b[32m", Status.AMBER: "\x1b[33m", Status.RED: "\x1b[31m"}
_RESET = "\x1b[0m"
_DASH = "\u2013"  # shown where there is no value


def format_duration(seconds: float | None) -> str:
    """A duration for people: ``"45 s"``, ``"4 min 10 s"``, ``"2 h 10 min"``, ``"3 d 4 h"``.

    >>> format_duration(250), format_duration(7800), format_duration(273600)
    ('4 min 10 s', '2 h 10 min', '3 d 4 h')
    """
    if seconds is None:
        return _DASH
    whole = round(seconds)
    if whole < 60:
        return f"{seconds:.0f} s" if seconds >= 1 or seconds == 0 else f"{seconds:.1f} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs} s" if secs else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _compact_duration(seconds: float) -> str:
    for limit, size, unit in ((60, 1, "s"), (3600, 60, "min"), (86400 * 2, 3600, "h")):
        if seconds < limit:
            amount = seconds / size
            return f"{amount:.1f} {unit}" if amount < 10 and size > 1 else f"{amount:.0f} {unit}"
    amount = seconds / 86400
    return f"{amount:.1f} d" if amount < 10 else f"{amount:.0f} d"


def format_value(metric: str, value: float | None) -> str:
    """A metric's value as shown on a tile (``"86.0%"``, ``"+30"``, ``"4 min 10 s"``).

    >>> format_value("csat", 86), format_value("nps", 30), format_value("volume", 1234)
    ('86.0%', '+30', '1,234')
    """
    if value is None:
        return _DASH
    unit = METRICS[metric].unit
    if unit == "s":
        return format_duration(value)
    if unit == "%":
        return f"{value:.1f}%"
    if unit == "points":
        return f"{value:+.0f}"
    return f"{value:,.0f}"


def _target_text(metric: str, threshold: Threshold | None) -> str | None:
    if threshold is None:
        return None
    sign = "≥" if METRICS[metric].better is Better.HIGHER else "≤"
    text = f"{sign} {format_value(metric, threshold.green)}"
    if threshold.statistic not in ("value", "median", "first.median"):
        text += f" ({threshold.statistic})"
    return text


@attrs.frozen
class Tile:
    """One metric judged: what a dashboard tile shows."""

    metric: str
    label: str
    status: Status
    value: float | None
    """The judged statistic (the median for times unless the target says otherwise)."""
    display: str
    n: int
    unit: str
    target_display: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form of the tile."""
        return {
            "metric": self.metric,
            "label": self.label,
            "status": self.status.value,
            "display": self.display,
            "value": self.value,
            "n": self.n,
            "unit": self.unit,
            "target_display": self.target_display,
        }


def _n(result: Result, statistic: str) -> int:
    if isinstance(result, Resolution):
        return result.full.n if statistic.startswith("full") else result.first.n
    return result.n


def judge(metric: str, result: Result, targets: Targets, channel: str | None = None) -> Tile:
    """One metric's result as a scorecard tile: its statistic, display and status
    against ``targets`` (on ``channel``)."""
    threshold = targets.threshold(metric, channel)
    statistic = threshold.statistic if threshold else _statistic(metric)
    value = statistic_of(result, statistic)
    info = METRICS[metric]
    return Tile(
        metric=metric,
        label=info.label,
        status=targets.status(metric, result, channel=channel),
        value=value,
        display=format_value(metric, value),
        n=_n(result, statistic),
        unit=info.unit,
        target_display=_target_text(metric, threshold),
    )


def _statistic(metric: str) -> str:
    if metric == "resolution_time":
        return "first.median"
    return "median" if METRICS[metric].unit == "s" else "value"


def _tiles(
    results: Mapping[str, Result], targets: Targets, channel: str | None, metrics: Sequence[str]
) -> tuple[Tile, ...]:
    return tuple(judge(m, results[m], targets, channel) for m in metrics if m in results)


@attrs.frozen
class RootCause:
    """A slice of the work that is off target, and by how much.

    ``gap`` is the distance past the green level, relative to it: ``0.5``
    means 50% worse than the target.
    """

    dimension: str
    key: str
    metric: str
    status: Status
    value: float
    target: float
    gap: float
    n: int

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, with display strings for the value and the target."""
        sign = "≥" if METRICS[self.metric].better is Better.HIGHER else "≤"
        return {
            "slice": self.dimension,
            "key": self.key,
            "metric": self.metric,
            "label": METRICS[self.metric].label,
            "display": format_value(self.metric, self.value),
            "target_display": f"{sign} {format_value(self.metric, self.target)}",
            "status": self.status.value,
            "gap": self.gap,
            "n": self.n,
            "value": self.value,
            "target": self.target,
        }


def root_causes(
    report: KpiReport,
    targets: Targets,
    *,
    dimensions: Iterable[str] = ("channel", "agent", "tag"),
    min_n: int = 10,
    limit: int = 10,
) -> list[RootCause]:
    """The slices furthest from their targets, worst first.

    Every slice of the named breakdowns present in ``report`` is judged on
    every metric with a target; amber and red ones with at least ``min_n``
    measured items are ranked by their relative gap to the green level.
    """
    found: list[RootCause] = []
    for dimension in dimensions:
        for key, results in report.breakdowns.get(dimension, {}).items():
            channel = key if dimension == "channel" else None
            for metric, result in results.items():
                threshold = targets.threshold(metric, channel)
                if threshold is None:
                    continue
                status = targets.status(metric, result, channel=channel)
                value = statistic_of(result, threshold.statistic)
                n = _n(result, threshold.statistic)
                if status not in (Status.AMBER, Status.RED) or value is None or n < min_n:
                    continue
                scale = abs(threshold.green) or 1.0
                worse = value - threshold.green
                if METRICS[metric].better is Better.HIGHER:
                    worse = -worse
                found.append(
                    RootCause(
                        dimension, key, metric, status, value, threshold.green, worse / scale, n
                    )
                )
    found.sort(key=lambda r: (-r.gap, r.dimension, r.key, r.metric))
    return found[:limit]


_TABLE_METRICS = (
    "volume",
    "csat",
    "nps",
    "first_response_time",
    "resolution_time",
    "fcr",
    "service_level",
    "abandonment_rate",
    "aht",
)


@attrs.frozen
class Scorecard:
    """A report judged against targets. Build one with :func:`scorecard`."""

    title: str
    report: KpiReport
    targets: Targets
    overall: tuple[Tile, ...]
    by_channel: Mapping[str, tuple[Tile, ...]]
    trend_period: str | None
    trend: tuple[tuple[str, tuple[Tile, ...]], ...]
    causes: tuple[RootCause, ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: title, period, tiles overall and by channel, trend, root causes."""
        report = self.report
        _, zone = _report_zone(report)
        return {
            "title": self.title,
            "period": {
                # In the report's zone, so a page shows the times its readers keep.
                "start": _shown(report.start, zone).isoformat() if report.start else None,
                "end": _shown(report.end, zone).isoformat() if report.end else None,
                "time_zone": report.time_zone,
                "time": report.time,
            },
            "overall": [t.to_dict() for t in self.overall],
            "by_channel": {
                c: [t.to_dict() for t in tiles] for c, tiles in self.by_channel.items()
            },
            "trend": {
                "period": self.trend_period,
                "rows": [
                    {"period": key, "tiles": [t.to_dict() for t in tiles]}
                    for key, tiles in self.trend
                ],
            },
            "root_causes": [c.to_dict() for c in self.causes],
        }

    def _breakdown(self, dimension: str) -> Mapping[str, tuple[Tile, ...]]:
        if dimension == "channel":
            return self.by_channel
        if dimension == self.trend_period:
            return dict(self.trend)
        metrics = [t.metric for t in self.overall]
        return {
            key: _tiles(results, self.targets, None, metrics)
            for key, results in self.report.breakdowns.get(dimension, {}).items()
        }

    def to_table(self, *, color: bool = False, breakdowns: Sequence[str] = ("channel",)) -> str:
        """A plain-text scorecard for a terminal: the tiles, then one table per breakdown
        (those of ``breakdowns`` the report holds).

        Each status shows as a symbol (● green, ▲ amber, ✖ red) so the table
        reads without colour; ``color=True`` adds ANSI colours.
        """

        def mark(status: Status, text: str) -> str:
            icon = _ICONS[status]
            cell = f"{icon} {text}"
            if color and status in _ANSI:
                return f"{_ANSI[status]}{cell}{_RESET}"
            return cell

        lines = [self.title]
        report = self.report
        if report.start and report.end:
            zone_name, zone = _report_zone(report)
            start, end = _shown(report.start, zone), _shown(report.end, zone)
            lines.append(
                f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} {zone_name}, {report.time} time"
            )
            lines.append(
                f"{_plural(report.cases, 'case')}, {_plural(report.interactions, 'interaction')}"
            )
        lines.append("")
        label_width = max((len(t.label) for t in self.overall), default=10)
        for tile in self.overall:
            target = f"  target {tile.target_display}" if tile.target_display else ""
            lines.append(
                f"  {mark(tile.status, tile.label.ljust(label_width))}  "
                f"{tile.display:>12}  n={tile.n:<8,}{target}"
            )
        for dimension in breakdowns:
            table = self._breakdown(dimension)
            if not table:
                continue
            lines.append("")
            lines.append(f"By {dimension}")
            metrics = [m for m in _TABLE_METRICS if any(m == t.metric for t in self.overall)]
            heads = [dimension, *(_short_label(m) for m in metrics)]
            rows = []
            for key, tiles in table.items():
                by_metric = {t.metric: t for t in tiles}
                cells = [key]
                for metric in metrics:
                    cell = by_metric.get(metric)
                    cells.append(_DASH if cell is None else _cell(cell, mark))
                rows.append(cells)
            lines.extend(_grid(heads, rows))
        if self.causes:
            lines.append("")
            lines.append("Furthest from target")
            for cause in self.causes:
                data = cause.to_dict()
                lines.append(
                    f"  {mark(cause.status, f'{cause.dimension} {cause.key}')}: "
                    f"{data['label']} {data['display']} (target {data['target_display']}, "
                    f"n={cause.n:,})"
                )
        return "\n".join(line.rstrip() for line in lines)

    def to_html(self) -> str:
        """A standalone HTML dashboard (needs the ``dashboard`` extra)."""
        from omnicontext.kpi.html import render_html

        return render_html(self.to_dict())


_SHORT = {
    "volume": "cases",
    "csat": "CSAT",
    "nps": "NPS",
    "first_response_time": "1st resp",
    "resolution_time": "resolved",
    "fcr": "FCR",
    "service_level": "SL",
    "abandonment_rate": "abandoned",
    "aht": "AHT",
}


def _shown(moment: datetime, zone: tzinfo) -> datetime:
    """``moment`` in ``zone``; as given when it has no time there (near year 1 or 9999)."""
    try:
        return moment.astimezone(zone)
    except OverflowError:
        return moment


def _report_zone(report: KpiReport) -> tuple[str, tzinfo]:
    """The zone a report's times are shown in: its own, else UTC."""
    if report.zone is not None:
        return report.time_zone or str(report.zone), report.zone
    name = report.time_zone or "UTC"
    try:
        return name, ZoneInfo(name)
    except (ValueError, LookupError, OSError):
        return "UTC", UTC


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _short_label(metric: str) -> str:
    return _SHORT.get(metric, METRICS[metric].label)


def _cell(tile: Tile, mark: Callable[[Status, str], str]) -> str:
    text = tile.display
    if tile.unit == "s" and tile.value is not None:
        text = _compact_duration(tile.value)
    if tile.value is None or tile.status is Status.NONE:
        return text
    return mark(tile.status, text)


def _visible(text: str) -> int:
    out = text
    for code in (*_ANSI.values(), _RESET):
        out = out.replace(code, "")
    return len(out)


def _grid(heads: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(_visible(r[i]) for r in [heads, *rows]) for i in range(len(heads))]

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = widths[i] - _visible(cell)
            parts.append(cell + " " * pad if i == 0 else " " * pad + cell)
        return "  " + "  ".join(parts)

    return [line(heads), *(line(r) for r in rows)]


def scorecard(
    report: KpiReport,
    targets: Targets | None = None,
    *,
    title: str = "Support scorecard",
    metrics: Sequence[str] | None = None,
    min_n: int = 10,
) -> Scorecard:
    """Judge ``report`` against ``targets`` (default :meth:`Targets.default`).

    ``metrics`` picks and orders the tiles (default: every metric with data
    overall, in :data:`~omnicontext.kpi.results.METRICS` order). The trend
    uses the report's ``day`` breakdown, else its ``week`` one.
    """
    targets = targets if targets is not None else Targets.default()
    if metrics is None:
        metrics = [m for m in METRICS if m in report.overall and _has_data(report.overall[m])]
    else:
        unknown = [m for m in metrics if m not in METRICS]
        if unknown:
            raise InvalidInput(
                "scorecard", [FieldError("metrics", m, "unknown metric") for m in unknown]
            )
    overall = _tiles(report.overall, targets, None, metrics)
    by_channel = {
        channel: _tiles(results, targets, channel, metrics)
        for channel, results in report.by_channel.items()
    }
    period = (
        "day" if "day" in report.breakdowns else "week" if "week" in report.breakdowns else None
    )
    trend: tuple[tuple[str, tuple[Tile, ...]], ...] = ()
    if period is not None:
        trend = tuple(
            (key, _tiles(results, targets, None, metrics))
            for key, results in sorted(report.breakdowns[period].items())
        )
    return Scorecard(
        title=title,
        report=report,
        targets=targets,
        overall=overall,
        by_channel=by_channel,
        trend_period=period,
        trend=trend,
        causes=tuple(root_causes(report, targets, min_n=min_n)),
    )


def _has_data(result: Result) -> bool:
    if isinstance(result, Count):
        return True
    if isinstance(result, Resolution):
        return result.first.n + result.first.open > 0
    if isinstance(result, Durations):
        return result.n + result.open > 0
    if isinstance(result, Nps):
        return result.n > 0
    return result.n > 0 and not math.isnan(result.value or 0.0)
