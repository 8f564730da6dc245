"""Scenario files (TOML or JSON), side-by-side comparisons, and the result table.

A scenario file describes a day: when it starts, the traffic per channel, the
team, and the routing policy::

    start = "2026-03-02T08:00:00+00:00"
    seed = 7

    [[traffic]]
    channel = "phone"
    rates = [40, 80, 120, 90]          # arrivals per hour, one per interval
    handle = { kind = "lognormal", mean = 240, sd = 180 }
    patience = { kind = "exponential", mean = 120 }
    wrap_up = 30

    [[agents]]
    id = "phones"                      # with count: phones-01, phones-02, ...
    count = 6                          # a group is a team ("team" names another)
    channels = ["phone"]
    shifts = [{ start = "08:00", end = "12:00", breaks = [["10:00", "10:15"]] }]

    [policy]
    ranker = "longest_idle"            # least_occupied, round_robin, best_skill_match

Durations are seconds: a number is fixed, a table names its ``kind``
(``exponential``, ``lognormal``, ``fixed``, ``empirical``). Shift times are
clock times on the start's day, in the start's offset.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.kpi import Targets, format_duration, judge
from omnicontext.model import Agent
from omnicontext.routing import (
    BestSkillMatch,
    LeastOccupied,
    LongestIdle,
    Policy,
    Queue,
    RoundRobin,
    Sticky,
)
from omnicontext.simulation.distributions import distribution_from_dict
from omnicontext.simulation.engine import (
    ChannelResult,
    Scenario,
    Shift,
    SimulationResult,
    Staff,
    Traffic,
    generate_arrivals,
    simulate,
)

__all__ = [
    "RANKERS",
    "compare",
    "compare_table",
    "load_scenario",
    "result_dashboard",
    "result_table",
    "scenario_from_dict",
]

RANKERS: Mapping[str, Any] = {
    "longest_idle": LongestIdle,
    "least_occupied": LeastOccupied,
    "round_robin": RoundRobin,
    "best_skill_match": BestSkillMatch,
}
"""The rankers a scenario file can name."""

_TOP = {
    "start",
    "interval_minutes",
    "seed",
    "service_level_seconds",
    "traffic",
    "agents",
    "policy",
}


def _fail(field: str, value: Any, reason: str) -> InvalidInput:
    return InvalidInput("scenario", [FieldError(field, value, reason)])


def _table(data: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise _fail(where, data, "must be a table")
    return data


def _unknown(data: Mapping[str, Any], known: set[str], where: str) -> None:
    extra = sorted(set(data) - known)
    if extra:
        raise _fail(
            f"{where}.{extra[0]}", data[extra[0]], f"unknown setting; expected {sorted(known)}"
        )


def _clock(value: Any, where: str, start: datetime) -> timedelta:
    try:
        moment = time.fromisoformat(value)
    except (TypeError, ValueError):
        raise _fail(where, value, "expected a clock time such as '08:30'") from None
    at = datetime.combine(start.date(), moment, tzinfo=start.tzinfo)
    if at < start:
        raise _fail(where, value, f"is before the scenario starts ({start:%H:%M})")
    return at - start


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build a :class:`~omnicontext.simulation.Scenario` from a scenario file's tables."""
    data = _table(data, "scenario")
    _unknown(data, _TOP, "scenario")
    try:
        start = datetime.fromisoformat(str(data["start"]))
    except KeyError:
        raise _fail("start", None, "is required (an ISO time with its offset)") from None
    except ValueError:
        raise _fail("start", data["start"], "expected an ISO time with its offset") from None
    if start.tzinfo is None:
        raise _fail("start", data["start"], "needs a UTC offset; it is never guessed")
    traffic = []
    for i, spec in enumerate(data.get("traffic", [])):
        where = f"traffic[{i}]"
        spec = _table(spec, where)
        _unknown(
            spec,
            {"channel", "rates", "handle", "patience", "wrap_up", "skills", "queue"},
            where,
        )
        for key in ("channel", "rates", "handle"):
            if key not in spec:
                raise _fail(f"{where}.{key}", None, "is required")
        traffic.append(
            Traffic(
                channel=spec["channel"],
                rates=spec["rates"],
                handle=distribution_from_dict(spec["handle"], where=f"{where}.handle"),
                patience=(
                    None
                    if "patience" not in spec
                    else distribution_from_dict(spec["patience"], where=f"{where}.patience")
                ),
                wrap_up=(
                    None
                    if "wrap_up" not in spec
                    else distribution_from_dict(spec["wrap_up"], where=f"{where}.wrap_up")
                ),
                skills=dict(spec.get("skills", {})),
                queue=spec.get("queue", "default"),
            )
        )
    staff = []
    for i, spec in enumerate(data.get("agents", [])):
        where = f"agents[{i}]"
        spec = _table(spec, where)
        _unknown(spec, {"id", "count", "channels", "skills", "shifts", "team"}, where)
        if "id" not in spec:
            raise _fail(f"{where}.id", None, "is required")
        count = spec.get("count", 1)
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise _fail(f"{where}.count", count, "must be a whole number >= 1")
        shifts = []
        for k, shift in enumerate(spec.get("shifts", [])):
            at = f"{where}.shifts[{k}]"
            shift = _table(shift, at)
            _unknown(shift, {"start", "end", "breaks"}, at)
            breaks = tuple(
                (
                    _clock(b[0], f"{at}.breaks[{j}]", start),
                    _clock(b[1], f"{at}.breaks[{j}]", start),
                )
                for j, b in enumerate(shift.get("breaks", []))
            )
            shifts.append(
                Shift(
                    _clock(shift.get("start"), f"{at}.start", start),
                    _clock(shift.get("end"), f"{at}.end", start),
                    breaks,
                )
            )
        names = (
            [spec["id"]] if count == 1 else [f"{spec['id']}-{n:02d}" for n in range(1, count + 1)]
        )
        for name in names:
            agent = Agent(
                id=name,
                channels=tuple(spec.get("channels", ())),
                skills=dict(spec.get("skills", {})),
            )
            team = spec.get("team", spec["id"] if count > 1 else None)
            staff.append(Staff(agent, shifts=tuple(shifts), team=team))
    policy = _table(data.get("policy", {}), "policy")
    _unknown(policy, {"ranker", "sticky"}, "policy")
    ranker = policy.get("ranker", "longest_idle")
    if ranker not in RANKERS:
        raise _fail("policy.ranker", ranker, f"expected one of {', '.join(RANKERS)}")
    prefer = (Sticky(),) if policy.get("sticky", False) else ()
    queues = sorted({t.queue for t in traffic}) or ["default"]
    return Scenario(
        start=start,
        traffic=traffic,
        staff=staff,
        queues=[
            Queue(q, policy=Policy(prefer=prefer, rankers=(RANKERS[ranker](),))) for q in queues
        ],
        interval=timedelta(minutes=data.get("interval_minutes", 60)),
        seed=data.get("seed", 0),
        service_level_seconds=data.get("service_level_seconds", 20),
    )


def load_scenario(path: str | Path) -> Scenario:
    """Read a scenario file: TOML (``.toml``) or JSON (``.json``)."""
    where = Path(path)
    try:
        text = where.read_bytes()
    except OSError as exc:
        raise _fail("path", str(path), exc.strerror or str(exc)) from None
    try:
        data = (
            json.loads(text) if where.suffix.lower() == ".json" else tomllib.loads(text.decode())
        )
    except (ValueError, UnicodeDecodeError) as exc:
        raise _fail("path", str(path), str(exc)) from None
    return scenario_from_dict(data)


def _row(label: str, part: ChannelResult, result: SimulationResult | None = None) -> list[str]:
    occupancy = None if result is None else result.occupancy.get("(all)")
    return [
        label,
        f"{part.offered:,}",
        "-" if part.service_level.value is None else f"{part.service_level.value:.1f}%",
        "-" if part.wait.mean is None else f"{part.wait.mean:.0f} s",
        "-" if part.wait.p90 is None else f"{part.wait.p90:.0f} s",
        "-" if part.abandonment.value is None else f"{part.abandonment.value:.1f}%",
        "" if occupancy is None or occupancy.value is None else f"{occupancy.value:.1f}%",
        "" if result is None else str(max(result.max_concurrency.values(), default=0)),
        "" if result is None else str(len(result.alerts)),
    ]


_HEADS = [
    "",
    "contacts",
    "SL",
    "avg wait",
    "p90 wait",
    "abandoned",
    "occupancy",
    "max conc",
    "alerts",
]


def _grid(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ).rstrip()
        for r in rows
    ]


def result_table(result: SimulationResult) -> str:
    """A run as a table: all channels (with occupancy, the most items any agent
    held at once, and overload alerts), then one row per channel."""
    rows = [_HEADS, _row("all channels", result.overall, result)]
    rows.extend(_row(channel, part) for channel, part in result.by_channel.items())
    return "\n".join(_grid(rows))


def compare_table(results: Mapping[str, SimulationResult]) -> str:
    """Variants side by side, one row each (run them with :func:`compare`)."""
    rows = [_HEADS, *(_row(name, r.overall, r) for name, r in results.items())]
    return "\n".join(_grid(rows))


def compare(variants: Mapping[str, Scenario]) -> dict[str, SimulationResult]:
    """Run every variant on the same contacts (common random numbers).

    The arrivals, with their handle times and patience, are drawn once from
    the first variant; the variants may differ in staff, shifts, queues and
    policies, but not in traffic, start, interval or seed.
    """
    if not variants:
        raise _fail("variants", {}, "needs at least one scenario")
    names = list(variants)
    first = variants[names[0]]
    for name in names[1:]:
        other = variants[name]
        for field in ("traffic", "start", "interval", "seed"):
            if getattr(other, field) != getattr(first, field):
                raise _fail(
                    f"{name}.{field}",
                    getattr(other, field),
                    f"differs from {names[0]!r}: variants compared share their customers",
                )
    arrivals = generate_arrivals(first)
    return {name: simulate(variants[name], arrivals=arrivals) for name in names}


def _tile(
    metric: str, label: str, value: float | None, display: str, n: int, unit: str, status: str
) -> dict[str, Any]:
    return {
        "metric": metric,
        "label": label,
        "status": status,
        "display": display,
        "value": value,
        "n": n,
        "unit": unit,
        "target_display": None,
    }


def _tiles(part: ChannelResult, targets: Targets) -> list[dict[str, Any]]:
    return [
        _tile(
            "volume", "Contacts", part.offered, f"{part.offered:,}", part.offered, "cases", "none"
        ),
        judge("service_level", part.service_level, targets).to_dict(),
        judge("abandonment_rate", part.abandonment, targets).to_dict(),
        _tile(
            "wait_mean",
            "Wait (mean)",
            part.wait.mean,
            format_duration(part.wait.mean),
            part.wait.n,
            "s",
            "none",
        ),
        _tile(
            "wait_p90",
            "Wait (90th percentile)",
            part.wait.p90,
            format_duration(part.wait.p90),
            part.wait.n,
            "s",
            "none",
        ),
    ]


def result_dashboard(
    result: SimulationResult, *, title: str = "Simulated day", targets: Targets | None = None
) -> dict[str, Any]:
    """A run in the scorecard's JSON shape, for :func:`omnicontext.kpi.html.render_html`:
    tiles overall (with the team's occupancy) and by channel, judged against the
    service-level and abandonment ``targets`` (default: the KPI defaults)."""
    targets = targets if targets is not None else Targets.default()
    overall = _tiles(result.overall, targets)
    team = result.occupancy.get("(all)")
    if team is not None:
        overall.append(
            _tile(
                "occupancy",
                "Occupancy",
                team.value,
                "\u2013" if team.value is None else f"{team.value:.1f}%",
                team.n,
                "%",
                "none",
            )
        )
    scenario = result.scenario
    return {
        "title": title,
        "period": {
            "start": scenario.start.isoformat(),
            "end": result.end.astimezone(scenario.start.tzinfo).isoformat(),
            "time_zone": str(scenario.start.tzinfo),
            "time": "calendar",
        },
        "overall": overall,
        "by_channel": {c: _tiles(part, targets) for c, part in result.by_channel.items()},
        "trend": {"period": None, "rows": []},
        "root_causes": [],
    }
