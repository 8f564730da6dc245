"""Simulation benchmark: one day of a 200-agent, four-channel contact centre, beside ciw.

Run from the project root::

    .venv/bin/python benchmarks/simulate.py             # 50,000 contacts, 200 agents (minutes)
    .venv/bin/python benchmarks/simulate.py --quick     # 5,000 contacts, 20 agents (seconds)
    .venv/bin/python benchmarks/simulate.py --profile   # adds where the time goes (cProfile)

``--contacts N`` and ``--agents N`` set the size (the expected number of
contacts, and the roster), ``--seed`` the day, ``--repeat N`` the fresh runs
of each side (the best counts). ``--profile`` runs a smaller day
(``--profile-contacts``, agents scaled alike) under cProfile, after the
measured runs: no figure of the table comes from it. ``--tracemalloc`` adds a
run under tracemalloc for the peak of Python's own allocations. ``--no-ciw``
leaves the reference out.

The day, built here and seeded: 08:00 to 20:00 in hourly intervals, four
channels with their share of the contacts, handle time, patience and wrap-up:

* phone, 16%: ``LogNormal(mean=200, sd=150)`` s, patience ``Exponential(240)``,
  wrap-up ``Fixed(30)``;
* chat, 22%: ``LogNormal(mean=360, sd=240)``, patience ``Exponential(360)``;
* email, 40%: ``Exponential(360)``, no patience;
* social_private, 22%: ``LogNormal(mean=360, sd=240)``, no patience.

Each channel's contacts need one of five topic skills (billing, tech_support,
sales, accounts, retention, as 30:28:14:13:7, each at a minimum level); on
phone and chat, 5% need spanish and 3% french instead. One queue per
skill: the topic queues require the level for 30 s, then four levels less
until 90 s, then any agent of the channel; the language queues require
fluency (level 6) for 60 s, then any level of the language. Queues rank by
``LongestIdle`` (indexed), sales and retention by ``BestSkillMatch`` then
``LongestIdle`` (every eligible agent ranked). Agents: 40% voice (phone), 37.5%
digital (chat and social_private), 22.5% back office (email and
social_private), ``CapacityProfile.default()`` (a call takes the whole agent, a
chat a third, a social conversation a fifth, an email a tenth); each has 2-4
topics at levels 2-10, 15% speak spanish, 8% french. Four overlapping
8-hour shifts (08:00, 09:00, 11:00, 12:00; 20%, 30%, 25%, 25% of each team)
with a 15-minute break, a 30-minute lunch and another 15-minute break,
staggered by agent. The hourly rates follow the agents the roster puts on
duty each hour (breaks taken out), as a roster planned to its forecast, times
a forecast error of up to 8% either way per hour.

Measured, each in a fresh child process (this script, with a hidden flag),
``--repeat`` times: the wall and CPU time of ``simulate(scenario)`` (arrivals
drawn, every event, and the measuring of the result), events per second
(``result.events``), contacts per second, and the child's peak RSS (less its
value before the run). The day's service level, abandonment and occupancy
are printed, to show that the day simulated is a realistic one (the small
centre of ``--quick`` pools its agents worse, and serves worse).

The reference, ciw (each run in a fresh child too): one node, Poisson arrivals
at the day's mean rate, exponential service, first come first served, for the
same 12 hours. Two variants: a workload-equivalent one, with the average
agents on duty as servers and the capacity-weighted handle time (handle time
times the share of an agent the channel takes, wrap-up included), which keeps
the load the day puts on its agents; and a literal one, with the whole roster
as servers and the plain mean handle time of the day's contacts (agents here
hold several chats and emails at once, so this queue is overloaded and grows
all day). ciw runs a generic queue and none of the routing (skills,
steps, rankers, capacity, shifts): a speed reference, not the same model.

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import math
import pstats
import random
import sys
import textwrap
import time
import tracemalloc
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from _report import (
    Row,
    machine,
    mb,
    print_table,
    rss_now_bytes,
    rss_peak_bytes,
    run_child,
    verdict,
    vm_hwm_bytes,
)

from omnicontext.model import Agent
from omnicontext.routing import BestSkillMatch, CapacityProfile, LongestIdle, Policy, Queue, Step
from omnicontext.simulation import (
    Arrival,
    Distribution,
    Exponential,
    Fixed,
    LogNormal,
    Scenario,
    Shift,
    SimulationResult,
    Staff,
    Traffic,
    generate_arrivals,
    simulate,
)

TARGET_SECONDS = 10.0
SL_RANGE = (60.0, 90.0)
"""Where the day's overall service level should fall for it to be a realistic day."""
CONTACTS = 50_000
AGENTS = 200
QUICK_CONTACTS = 5_000
QUICK_AGENTS = 20
PROFILE_CONTACTS = 10_000
CHILD_TIMEOUT_S = 1800
SL_SECONDS = 20.0
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
HOURS = 12
FORECAST_ERROR = 0.08


@dataclass(frozen=True)
class Channel:
    share: float
    handle: Distribution
    patience: Distribution | None
    wrap_up: Distribution | None
    languages: bool


CHANNELS: Mapping[str, Channel] = {
    "phone": Channel(0.16, LogNormal(mean=200, sd=150), Exponential(240), Fixed(30), True),
    "chat": Channel(0.22, LogNormal(mean=360, sd=240), Exponential(360), None, True),
    "email": Channel(0.40, Exponential(360), None, None, False),
    "social_private": Channel(0.22, LogNormal(mean=360, sd=240), None, None, False),
}
TOPICS: Mapping[str, tuple[float, int]] = {
    "billing": (0.30, 3),
    "tech_support": (0.28, 5),
    "sales": (0.14, 2),
    "accounts": (0.13, 3),
    "retention": (0.07, 6),
}
"""Skill -> (share of a channel's contacts, minimum level)."""
LANGUAGES: Mapping[str, tuple[float, int]] = {"spanish": (0.05, 6), "french": (0.03, 6)}
"""Language skill -> (share of the phone and chat contacts, minimum level)."""
SPEAKERS = {"spanish": 0.15, "french": 0.08}
RANKED_BY_SKILL = frozenset({"sales", "retention"})
TEAMS: Mapping[str, tuple[float, tuple[str, ...]]] = {
    "voice": (0.40, ("phone",)),
    "digital": (0.375, ("chat", "social_private")),
    "back_office": (0.225, ("email", "social_private")),
}
SHIFTS: tuple[tuple[str, float, float], ...] = (
    ("early", 0.20, 0.0),
    ("day", 0.30, 1.0),
    ("mid", 0.25, 3.0),
    ("late", 0.25, 4.0),
)
"""(name, share of each team, start in hours after 08:00); every shift lasts 8 hours."""
SHIFT_HOURS = 8.0
BREAKS = ((1.5, 0.25), (3.5, 0.5), (5.75, 0.25))
"""(start in hours into the shift, length in hours), staggered by ``10 min * (k % 6)``."""
PROFILE = CapacityProfile.default()


# -- the day ----------------------------------------------------------------------------


def _team_of(agent_id: str) -> str:
    return agent_id.rsplit("_", 1)[0]


def _roster(n_agents: int, seed: int) -> list[Staff]:
    rng = random.Random(f"{seed}:roster")
    sizes = [max(1, round(n_agents * share)) for share, _ in TEAMS.values()]
    sizes[-1] = max(1, n_agents - sum(sizes[:-1]))
    staff: list[Staff] = []
    for (team, (_, channels)), size in zip(TEAMS.items(), sizes, strict=True):
        for k in range(size):
            position, cumulative = k / size, 0.0
            start_h = SHIFTS[-1][2]
            for _, share, begins in SHIFTS:
                cumulative += share
                if position < cumulative - 1e-9:
                    start_h = begins
                    break
            start = timedelta(hours=start_h)
            stagger = timedelta(minutes=10 * (k % 6))
            breaks = tuple(
                (
                    start + timedelta(hours=at) + stagger,
                    start + timedelta(hours=at + length) + stagger,
                )
                for at, length in BREAKS
            )
            topics = rng.sample(sorted(TOPICS), rng.randint(2, 4))
            skills = {t: rng.randint(2, 10) for t in topics}
            for language, share in SPEAKERS.items():
                if rng.random() < share:
                    skills[language] = rng.randint(5, 10)
            agent = Agent(id=f"{team}_{k:04d}", channels=channels, skills=skills)
            shift = Shift(start, start + timedelta(hours=SHIFT_HOURS), breaks)
            staff.append(Staff(agent, shifts=(shift,)))
    return staff


def _overlap(a: timedelta, b: timedelta, lo: timedelta, hi: timedelta) -> float:
    return max(0.0, (min(b, hi) - max(a, lo)).total_seconds())


def available_seconds(staff: Sequence[Staff], lo: timedelta, hi: timedelta) -> float:
    """Agent-seconds on shift and not on a break within ``[lo, hi)`` after the start."""
    total = 0.0
    for member in staff:
        for shift in member.shifts:
            total += _overlap(shift.start, shift.end, lo, hi)
            total -= sum(_overlap(a, b, lo, hi) for a, b in shift.breaks)
    return total


def _queues() -> list[Queue]:
    by_idle = Policy(rankers=(LongestIdle(),))
    by_skill = Policy(rankers=(BestSkillMatch(), LongestIdle()))
    fluent = (
        Step("fluent", until=timedelta(seconds=60)),
        Step("any level of the language", lower_levels=9),
    )
    topic = (
        Step("skilled", until=timedelta(seconds=30)),
        Step("four levels less", until=timedelta(seconds=90), lower_levels=4),
        Step("any agent of the channel", drop_skills=True),
    )
    queues = [Queue(name, policy=by_idle, steps=fluent) for name in LANGUAGES]
    queues += [
        Queue(name, policy=by_skill if name in RANKED_BY_SKILL else by_idle, steps=topic)
        for name in TOPICS
    ]
    return queues


def build_scenario(contacts: int, agents: int, seed: int) -> Scenario:
    """The day: ``contacts`` expected over 12 hours, ``agents`` on the roster."""
    staff = _roster(agents, seed)
    rng = random.Random(f"{seed}:forecast")
    hour = timedelta(hours=1)
    weights = [
        available_seconds(staff, h * hour, (h + 1) * hour)
        * rng.uniform(1 - FORECAST_ERROR, 1 + FORECAST_ERROR)
        for h in range(HOURS)
    ]
    total_weight = sum(weights)
    traffic: list[Traffic] = []
    for name, channel in CHANNELS.items():
        mix = {**TOPICS, **(LANGUAGES if channel.languages else {})}
        mix_total = sum(share for share, _ in mix.values())
        for skill, (share, level) in mix.items():
            per_day = contacts * channel.share * share / mix_total
            traffic.append(
                Traffic(
                    name,
                    rates=[per_day * w / total_weight for w in weights],
                    handle=channel.handle,
                    patience=channel.patience,
                    wrap_up=channel.wrap_up,
                    skills={skill: level},
                    queue=skill,
                )
            )
    return Scenario(
        start=START,
        traffic=traffic,
        staff=staff,
        queues=_queues(),
        seed=seed,
        service_level_seconds=SL_SECONDS,
    )


def _work_seconds(contact: Arrival) -> float:
    """Agent-seconds the contact takes: handle time times the share of an agent
    its channel takes (a call all of it), plus its wrap-up."""
    units = float(PROFILE.units(contact.channel))
    wrap = contact.wrap_up_seconds
    if wrap is None:
        wrap = PROFILE.spec(contact.channel).wrap_up.total_seconds()
    return contact.handle_seconds * units + wrap


# -- the omnicontext side, in a child -----------------------------------------------------


def _rate(value: float | None) -> float | None:
    return None if value is None else float(value)


def _summary(result: SimulationResult) -> dict[str, Any]:
    channels: dict[str, Any] = {}
    for name, part in [("(all)", result.overall), *result.by_channel.items()]:
        channels[name] = {
            "offered": part.offered,
            "answered": part.answered,
            "abandoned": part.abandoned,
            "unserved": part.unserved,
            "service_level": _rate(part.service_level.value),
            "abandonment": _rate(part.abandonment.value),
            "wait_mean": part.wait.mean,
            "wait_p90": part.wait.p90,
        }
    busy: dict[str, list[int]] = {}
    for agent_id, share in result.occupancy.items():
        if agent_id == "(all)":
            continue
        totals = busy.setdefault(_team_of(agent_id), [0, 0])
        totals[0] += share.count
        totals[1] += share.n
    teams = {team: 100.0 * b / n if n else None for team, (b, n) in busy.items()}
    overall = result.occupancy.get("(all)")
    return {
        "events": result.events,
        "offered": result.offered,
        "channels": channels,
        "occupancy": None if overall is None else _rate(overall.value),
        "occupancy_teams": teams,
        "max_concurrency": max(result.max_concurrency.values(), default=0),
        "alerts": dict(Counter(alert.kind.value for alert in result.alerts)),
        "end": result.end.isoformat(),
    }


def omnicontext_child(contacts: int, agents: int, seed: int, traced: bool) -> dict[str, Any]:
    """Build the day, then time ``simulate`` on it; memory before and after."""
    scenario = build_scenario(contacts, agents, seed)
    gc.collect()
    base, hwm_base, now_base = rss_peak_bytes(), vm_hwm_bytes(), rss_now_bytes()
    if traced:
        tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    result = simulate(scenario)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out: dict[str, Any] = {
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_base": base,
        "rss_peak": rss_peak_bytes(),
        "rss_now_base": now_base,
        "hwm_base": hwm_base,
        "hwm_peak": vm_hwm_bytes(),
        **_summary(result),
    }
    if traced:
        out["traced_peak"] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return out
    del result
    gc.collect()
    t1 = time.perf_counter()
    generate_arrivals(scenario)
    out["draw_s"] = time.perf_counter() - t1
    return out


# -- the ciw side, in a child ---------------------------------------------------------------


def ciw_child(rate: float, mean: float, servers: int, span: float, seed: int) -> dict[str, Any]:
    """One M/M/c node for ``span`` seconds: ``rate`` arrivals per second, service
    ``mean`` seconds, ``servers`` servers."""
    try:
        import ciw  # type: ignore[import-untyped]
    except ImportError as exc:
        return {"error": f"not available ({type(exc).__name__}: {exc})", "unavailable": True}
    gc.collect()
    base, hwm_base = rss_peak_bytes(), vm_hwm_bytes()
    t0, c0 = time.perf_counter(), time.process_time()
    ciw.seed(seed)
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=rate)],
        service_distributions=[ciw.dists.Exponential(rate=1.0 / mean)],
        number_of_servers=[servers],
    )
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(span)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    records = sim.get_all_records()
    waits = [r.waiting_time for r in records]
    arrived = sim.nodes[0].number_of_individuals - 1  # one is drawn ahead, not yet arrived
    served = sim.nodes[-1].number_of_individuals
    return {
        "wall_s": wall,
        "cpu_s": cpu,
        "arrived": arrived,
        "served": served,
        "left": arrived - served,
        "events": arrived + served,
        "wait_mean": sum(waits) / len(waits) if waits else None,
        "within": 100.0 * sum(w <= SL_SECONDS for w in waits) / len(waits) if waits else None,
        "rss_base": base,
        "rss_peak": rss_peak_bytes(),
        "hwm_base": hwm_base,
        "hwm_peak": vm_hwm_bytes(),
    }


# -- children ---------------------------------------------------------------------------------


def run_side(args: Sequence[str], repeat: int) -> dict[str, Any]:
    """``repeat`` fresh children: the figures of the fastest (wall), the best CPU
    time, the memory of the hungriest, and whether the figures were the same."""
    runs: list[dict[str, Any]] = []
    for _ in range(repeat):
        run = _child(args)
        if "error" in run:
            return run
        runs.append(run)
    best = dict(min(runs, key=lambda r: r["wall_s"]))
    best["walls"] = [r["wall_s"] for r in runs]
    best["best_cpu_s"] = min(r["cpu_s"] for r in runs)
    best["same"] = all(r["events"] == runs[0]["events"] for r in runs) and all(
        r.get("channels") == runs[0].get("channels") for r in runs
    )
    for key, base in (("rss_growth", "rss_base"), ("hwm_growth", "hwm_base")):
        peak = key.replace("growth", "peak")
        values = [r[peak] - r[base] for r in runs if r[peak] is not None and r[base] is not None]
        best[key] = max(values) if values else None
    peaks = [r["rss_peak"] for r in runs if r["rss_peak"] is not None]
    best["rss_peak"] = max(peaks) if peaks else None
    return best


# -- where the time goes ---------------------------------------------------------------------

_LOOP = frozenset({"simulate", "follow", "push"})
_INSIDE = (
    ("_reindex", "dispatcher.py", "agent pools kept sorted by rank (_reindex)"),
    ("_next_for", "dispatcher.py", "waiting work for an agent who frees (_next_for)"),
    ("_pop_best", "dispatcher.py", "best agent, indexed rankers (_pop_best)"),
    ("_scan", "dispatcher.py", "best agent, ranking the pool (_scan)"),
    ("_ask", "dispatcher.py", "requirement at the item's overflow step (_ask)"),
    ("indexable", "policies.py", "Policy.indexable, worked out again at each call"),
    ("__init__", "WorkSpan", "activity spans reported (WorkSpan)"),
)


def _is_loop(func: tuple[str, int, str]) -> bool:
    filename, _, name = func
    return name in _LOOP and filename.replace("\\", "/").endswith("simulation/engine.py")


def breakdown(
    stats: pstats.Stats,
) -> tuple[float, list[tuple[str, float]], list[tuple[str, float]]]:
    """simulate()'s time split by what the event loop called (each call's time
    counted once, at the loop's edge), and some dispatcher parts within."""
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = 0.0
    groups = {
        "dispatcher calls": 0.0,
        "work items built (WorkItem, pydantic validation)": 0.0,
        "measuring the result (_measure: tallies, occupancy, overload)": 0.0,
        "arrivals drawn (generate_arrivals)": 0.0,
    }
    called = 0.0
    for func, (_, _, _, cumulative, callers) in table.items():
        if _is_loop(func):
            if func[2] == "simulate":
                total = max(total, cumulative)
            continue
        edge = sum(t[3] for caller, t in callers.items() if _is_loop(caller))
        if not edge:
            continue
        called += edge
        filename, _, name = (func[0].replace("\\", "/"), func[1], func[2])
        if filename.endswith("routing/dispatcher.py"):
            groups["dispatcher calls"] += edge
        elif "pydantic" in filename or "omnicontext/model/" in filename:
            groups["work items built (WorkItem, pydantic validation)"] += edge
        elif name == "_measure":
            groups["measuring the result (_measure: tallies, occupancy, overload)"] += edge
        elif name == "generate_arrivals":
            groups["arrivals drawn (generate_arrivals)"] += edge
    rows = [(k, v) for k, v in groups.items() if v]
    rows.append(("event loop (the engine's own code, heap, times)", total - sum(groups.values())))
    inside: list[tuple[str, float]] = []
    for name, where, label in _INSIDE:
        spent = sum(
            v[3] for f, v in table.items() if f[2] == name and where in f[0].replace("\\", "/")
        )
        inside.append((label, spent))
    return total, rows, inside


def profile_run(contacts: int, agents: int, seed: int) -> None:
    scenario = build_scenario(contacts, agents, seed)
    profiler = cProfile.Profile()
    profiler.enable()
    result = simulate(scenario)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total, rows, inside = breakdown(stats)
    print(
        f"\n== where simulate()'s time goes: cProfile over a day of {result.offered:,} "
        f"contacts and {agents:,} agents ({result.events:,} events), a run of its own =="
    )
    print(f"{'part':<66}  {'seconds':>8}  share")
    for label, spent in rows:
        print(f"{label:<66}  {spent:>8.2f}  {spent / total:>5.1%}")
    print(f"{'total, simulate() under the profiler':<66}  {total:>8.2f}")
    print("within the dispatcher (cumulative; the parts overlap):")
    for label, spent in inside:
        print(f"  {label:<64}  {spent:>8.2f}  {spent / total:>5.1%}")
    print("\n-- the 15 functions with the most time of their own --")
    stats.sort_stats("tottime").print_stats(15)


# -- the report -------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.1f}%"


def _secs(x: float | None) -> str:
    return "n/a" if x is None else f"{x:,.1f}"


def _per_s(n: float, seconds: float) -> str:
    return f"{n / seconds:,.0f} /s" if seconds > 0 else "inf"


def _join(values: Sequence[str]) -> str:
    return " | ".join(values)


@dataclass
class Day:
    """What the parent knows of the day without simulating it."""

    scenario: Scenario
    contacts: list[Arrival]
    span_s: float
    available_s: float
    work_s: float
    mean_handle_s: float

    @property
    def rate(self) -> float:
        return len(self.contacts) / self.span_s

    @property
    def mean_work_s(self) -> float:
        return self.work_s / len(self.contacts)

    @property
    def mean_available(self) -> float:
        return self.available_s / self.span_s


def describe_day(contacts: int, agents: int, seed: int) -> Day:
    scenario = build_scenario(contacts, agents, seed)
    drawn = generate_arrivals(scenario)
    span = (scenario.end_of_arrivals - scenario.start).total_seconds()
    available = available_seconds(scenario.staff, timedelta(0), timedelta(seconds=span))
    work = math.fsum(_work_seconds(c) for c in drawn)
    mean_handle = math.fsum(c.handle_seconds for c in drawn) / max(len(drawn), 1)
    return Day(scenario, drawn, span, available, work, mean_handle)


def _ciw_rows(
    name: str, run: dict[str, Any] | None, servers: int, mean: float, day: Day
) -> list[Row]:
    rho = day.rate * mean / servers
    head = Row(
        name,
        f"{servers:,} servers, mean service {mean:,.1f} s: load {rho:.2f}"
        + (" (overloaded)" if rho >= 1 else ""),
    )
    if run is None:
        return [head, Row("  not run (--no-ciw)", "")]
    if "error" in run:
        return [head, Row("  not run", run["error"])]
    cpu, wall = run["best_cpu_s"], run["wall_s"]
    return [
        head,
        Row(
            "  time, CPU (wall), best of runs",
            f"{cpu:,.2f} s ({wall:,.2f} s)",
        ),
        Row("  runs, wall", _join([f"{w:,.2f}" for w in run["walls"]]) + " s"),
        Row(
            "  customers arrived / served / left in the queue",
            f"{run['arrived']:,} / {run['served']:,} / {run['left']:,}",
        ),
        Row("  events (arrivals + services ended)", f"{run['events']:,}"),
        Row(
            "  events/s, CPU (wall)",
            f"{_per_s(run['events'], cpu)} ({_per_s(run['events'], wall)})",
        ),
        Row(
            "  customers served/s, CPU (wall)",
            f"{_per_s(run['served'], cpu)} ({_per_s(run['served'], wall)})",
        ),
        Row(
            "  served within 20 s / mean wait of those served",
            f"{_pct(run['within'])} / {_secs(run['wait_mean'])} s",
        ),
        Row("  peak RSS growth (ru_maxrss)", mb(run["rss_growth"])),
    ]


def report(
    args: argparse.Namespace,
    day: Day,
    ours: dict[str, Any],
    traced: dict[str, Any] | None,
    equivalent: dict[str, Any] | None,
    literal: dict[str, Any] | None,
    total_s: float,
) -> int:
    scenario = day.scenario
    teams: dict[str, int] = {}
    for member in scenario.staff:
        team = _team_of(member.agent.id)
        teams[team] = teams.get(team, 0) + 1
    shifts = {
        name: sum(
            1 for s in scenario.staff if s.shifts and s.shifts[0].start == timedelta(hours=begins)
        )
        for name, _, begins in SHIFTS
    }
    offered: dict[str, int] = {}
    for contact in day.contacts:
        offered[contact.channel] = offered.get(contact.channel, 0) + 1
    skills = [*TOPICS, *LANGUAGES]
    header = [
        f"one day, 08:00-20:00 ({HOURS} hourly intervals), seed {args.seed}: "
        f"{len(day.contacts):,} contacts drawn for {args.contacts:,} expected "
        f"({_join([f'{c} {n:,}' for c, n in offered.items()])})",
        f"{len(scenario.staff):,} agents: "
        + ", ".join(f"{t} {n}" for t, n in teams.items())
        + "; shifts "
        + ", ".join(f"{s} {n}" for s, n in shifts.items())
        + f"; on duty on average {day.mean_available:,.1f} (breaks taken out)",
        f"{len(skills)} skills ({', '.join(skills)}); {len(scenario.queues)} queues with "
        f"overflow steps; {len(scenario.traffic)} traffic streams; service level threshold "
        f"{SL_SECONDS:g} s",
        machine(("omnicontext", "ciw", "pydantic")),
        f"runs per side: {args.repeat} (fresh child processes); whole benchmark {total_s:,.0f} s",
    ]
    if "error" in ours:
        print_table("omnicontext simulation benchmark", header, [])
        print(f"omnicontext: {ours['error']}\n{ours.get('stderr', '')}")
        return 1
    cpu, wall = ours["best_cpu_s"], ours["wall_s"]
    events, contacts = ours["events"], ours["offered"]
    speed_rows = [
        Row("what is timed", "simulate(scenario)"),
        Row(
            "time, CPU (wall), best of runs",
            f"{cpu:,.2f} s ({wall:,.2f} s)",
            f"<= {TARGET_SECONDS:g} s CPU",
            verdict(cpu <= TARGET_SECONDS),
        ),
        Row("runs, wall", _join([f"{w:,.2f}" for w in ours["walls"]]) + " s"),
        Row("  of which drawing the arrivals (a pass of its own)", f"{ours['draw_s']:,.2f} s"),
        Row("events processed (result.events)", f"{events:,}"),
        Row("events/s, CPU (wall)", f"{_per_s(events, cpu)} ({_per_s(events, wall)})"),
        Row("contacts/s, CPU (wall)", f"{_per_s(contacts, cpu)} ({_per_s(contacts, wall)})"),
        Row("same figures in every run (seeded)", "yes" if ours["same"] else "NO"),
    ]
    channels = ours["channels"]
    names = ["(all)", *[c for c in channels if c != "(all)"]]
    overall = channels["(all)"]
    sl = overall["service_level"]
    team_occ = ours["occupancy_teams"]
    day_rows = [
        Row("channels", _join(names)),
        Row("contacts offered", _join([f"{channels[c]['offered']:,}" for c in names])),
        Row(
            f"service level (answered within {SL_SECONDS:g} s; abandoned count)",
            _join([_pct(channels[c]["service_level"]) for c in names]),
            f"{SL_RANGE[0]:g}-{SL_RANGE[1]:g}% overall",
            verdict(sl is not None and SL_RANGE[0] <= sl <= SL_RANGE[1]),
        ),
        Row("abandonment", _join([_pct(channels[c]["abandonment"]) for c in names])),
        Row(
            "wait of the answered, mean / p90, s",
            _join(
                [
                    f"{_secs(channels[c]['wait_mean'])} / {_secs(channels[c]['wait_p90'])}"
                    for c in names
                ]
            ),
        ),
        Row(
            "still waiting at the end (unserved)",
            _join([f"{channels[c]['unserved']:,}" for c in names]),
        ),
        Row(
            "occupancy (busy / on duty): all | " + " | ".join(team_occ),
            _join([_pct(ours["occupancy"]), *[_pct(v) for v in team_occ.values()]]),
        ),
        Row(
            "work offered / agent time available (capacity-weighted)",
            f"{day.work_s / 3600:,.0f} h / {day.available_s / 3600:,.0f} h "
            f"({day.work_s / day.available_s:.1%})",
        ),
        Row("most items one agent held at once", f"{ours['max_concurrency']}"),
        Row(
            "overload alerts (workload module), by rule",
            f"{sum(ours['alerts'].values()):,}"
            + "".join(f"; {kind} {n:,}" for kind, n in sorted(ours["alerts"].items())),
        ),
        Row("last work ended", ours["end"][11:19]),
    ]
    memory_rows = [
        Row("peak RSS of the child (ru_maxrss)", mb(ours["rss_peak"])),
        Row("  growth during the run, over the built scenario", mb(ours["rss_growth"])),
        Row("  same, by VmHWM", mb(ours["hwm_growth"])),
        Row("RSS before the run (imports, scenario)", mb(ours["rss_now_base"])),
    ]
    if traced is not None:
        value = mb(traced["traced_peak"]) if "error" not in traced else traced["error"]
        memory_rows.append(Row("tracemalloc peak of the run (a run of its own)", value))
    servers = len(scenario.staff)
    equivalent_servers = max(1, round(day.mean_available))
    ciw_rows = _ciw_rows(
        "workload-equivalent: average agents on duty, capacity-weighted handle",
        equivalent,
        equivalent_servers,
        day.mean_work_s,
        day,
    ) + _ciw_rows(
        "literal: the whole roster, plain mean handle time",
        literal,
        servers,
        day.mean_handle_s,
        day,
    )
    sections = [
        (f"omnicontext.simulation, {contacts:,} contacts, {servers:,} agents", speed_rows),
        ("the day simulated (so the run is a realistic one)", day_rows),
        ("memory, the omnicontext child", memory_rows),
        (
            f"ciw, one M/M/c node for the same {HOURS} h, Poisson arrivals at "
            f"{day.rate * 3600:,.0f} /h, exponential service",
            ciw_rows,
        ),
    ]
    if equivalent is not None and "error" not in equivalent:
        ratio = (events / cpu) / (equivalent["events"] / equivalent["best_cpu_s"])
        sections.append(
            (
                "side by side, events/s in CPU time",
                [
                    Row(
                        "omnicontext over ciw workload-equivalent",
                        f"{ratio:.2f} x (ciw {1 / ratio:.1f} x as many per second)",
                    )
                ],
            )
        )
    print_table("omnicontext simulation benchmark", header, sections)
    notes = (
        "notes: each run is a fresh child process; the time of the fastest run by wall time "
        "is shown, with the best CPU time (process_time, which time spent waiting for a CPU "
        "shared with other processes does not inflate; the target is on it); simulate() "
        "includes drawing the arrivals and measuring the result (occupancy, overload alerts). "
        "An event of omnicontext is one the engine's loop takes from its heap: an arrival, an "
        "end of work, a customer's patience running out (whether or not they were answered "
        "by then) or a presence change; the dispatcher's own timers (wrap-ups ending, items "
        "reaching their next overflow step) come on top and are not counted. An event of ciw "
        "is an arrival or an end of service. ciw runs a generic single queue: no skills, "
        "overflow steps, rankers, concurrent capacity, breaks or shifts, so it is a speed "
        "reference, not the same model. Its workload-equivalent variant has the average "
        "agents on duty as servers and the capacity-weighted handle time (a chat holds a "
        "third of an agent, an email a tenth; the phone wrap-up counted), so its load matches "
        "the day's; the literal variant (the whole roster, the plain mean handle time) puts "
        "several contacts' worth of work on each server and overloads the queue, which "
        "then grows all day and makes ciw slower per event. Occupancy is the workload "
        "module's: time holding any work over time on duty, so an agent with one email "
        "counts as busy. Peak RSS growth is ru_maxrss after the run less ru_maxrss "
        "before it, the largest of the runs."
    )
    print(textwrap.fill(notes, width=100))
    return 0


# -- main -------------------------------------------------------------------------------------


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _child(args: Sequence[str]) -> dict[str, Any]:
    """This script in a fresh interpreter with ``args`` (see ``_report.run_child``)."""
    return run_child(__file__, args, timeout=CHILD_TIMEOUT_S)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--contacts", type=int, help=f"contacts expected in the day (default {CONTACTS:,})"
    )
    parser.add_argument("--agents", type=int, help=f"agents on the roster (default {AGENTS})")
    parser.add_argument("--seed", type=int, default=20260302)
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh runs per side (default 3; the best counts)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_CONTACTS:,} contacts and {QUICK_AGENTS} agents",
    )
    parser.add_argument(
        "--profile", action="store_true", help="where simulate()'s time goes (cProfile)"
    )
    parser.add_argument(
        "--profile-contacts",
        type=int,
        default=PROFILE_CONTACTS,
        help=f"contacts in the profiled day (default {PROFILE_CONTACTS:,}; agents scaled alike)",
    )
    parser.add_argument(
        "--tracemalloc", action="store_true", help="a run under tracemalloc for its peak"
    )
    parser.add_argument("--no-ciw", action="store_true", help="leave the ciw reference out")
    parser.add_argument("--child-omnicontext", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--child-ciw", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_omnicontext:
        n, m, day_seed, under_trace = (int(x) for x in args.child_omnicontext)
        print(json.dumps(omnicontext_child(n, m, day_seed, bool(under_trace))))
        return 0
    if args.child_ciw:
        rate, mean, c, length, ciw_seed = args.child_ciw
        print(
            json.dumps(ciw_child(float(rate), float(mean), int(c), float(length), int(ciw_seed)))
        )
        return 0

    if args.contacts is None:
        args.contacts = QUICK_CONTACTS if args.quick else CONTACTS
    if args.agents is None:
        args.agents = QUICK_AGENTS if args.quick else AGENTS
    if args.contacts < 1 or args.agents < len(TEAMS) or args.repeat < 1:
        parser.error(f"--contacts >= 1, --agents >= {len(TEAMS)} and --repeat >= 1, please")
    started = time.perf_counter()
    day = describe_day(args.contacts, args.agents, args.seed)
    size = [str(args.contacts), str(args.agents), str(args.seed)]
    _status(f"omnicontext: {len(day.contacts):,} contacts, {args.agents:,} agents ...")
    ours = run_side(["--child-omnicontext", *size, "0"], args.repeat)
    traced = None
    if args.tracemalloc:
        _status("omnicontext under tracemalloc ...")
        traced = _child(["--child-omnicontext", *size, "1"])
    equivalent = literal = None
    if not args.no_ciw:
        span, seed = repr(day.span_s), str(args.seed)
        servers = max(1, round(day.mean_available))
        _status(f"ciw: workload-equivalent, {servers} servers ...")
        equivalent = run_side(
            ["--child-ciw", repr(day.rate), repr(day.mean_work_s), str(servers), span, seed],
            args.repeat,
        )
        _status(f"ciw: the whole roster, {args.agents} servers ...")
        literal = run_side(
            ["--child-ciw", repr(day.rate), repr(day.mean_handle_s), str(args.agents), span, seed],
            args.repeat,
        )
    status = report(args, day, ours, traced, equivalent, literal, time.perf_counter() - started)
    if args.profile:
        small = max(len(TEAMS), round(args.agents * args.profile_contacts / args.contacts))
        _status(f"cProfile: {args.profile_contacts:,} contacts, {small} agents ...")
        profile_run(args.profile_contacts, small, args.seed)
    return status


if __name__ == "__main__":
    sys.exit(main())
