"""Routing benchmark: the Dispatcher under a steady stream at 200, 2,000 and 20,000 agents.

Run from the project root::

    .venv/bin/python benchmarks/routing.py            # 200, 2,000 and 20,000 agents (minutes)
    .venv/bin/python benchmarks/routing.py --quick    # 100, 1,000 and 5,000 agents (seconds)

``--items N`` sets the measured items per size, ``--seed`` the input,
``--profile`` adds a cProfile of the dispatcher at the middle size (a run of its
own, after the measured one: no figure in the table comes from it).

The input, seeded, per size: agents with 4-6 of 30 skills (levels 1-10) who
serve 2-3 of email, chat, phone, SMS and WhatsApp with
``CapacityProfile.default()`` (a call takes the whole agent, a chat a third, a
WhatsApp conversation a fifth, an email or SMS a tenth), all available. Each
item is drawn from a random agent: one of that agent's channels, one of their
skills (two, one item in five) at a minimum level at or below theirs, so
somebody can always take it in principle.

The stream, the same for every router of one size:

1. prefill: items handed to random agents with room by hand (``assign``)
   until the work held is 75% of all agents' capacity;
2. items then arrive with increasing ``now``, ``30 s / agents`` apart (each
   agent gets the same share at every size), through ``submit`` with
   ``auto_accept=True``. After each arrival, while the work held plus the work
   waiting exceeds 75% of capacity, the oldest held item is finished
   (``complete(..., wrap_up=timedelta(0))``); the freed agent then takes the
   waiting work that fits. Occupancy stays at 75% and agents free and fill
   continuously;
3. warm-up: until every prefilled item has been finished, so all the work
   held was routed by the router under test (``--quick``: 1,000 items); then
   the measured items.

The main stream carries no calls. With ``LongestIdle`` (and any ranker that
spreads work), asynchronous work tops up every agent before they empty, so a
call, which needs an empty agent, waits until one empties by chance; the
backlog of calls then grows with the number of agents. The last section runs
that blended stream (an agent's channels drawn evenly, calls included) at the
two smaller sizes (``--quick``: the smallest) and shows the backlog it builds
and what it costs.

Figures: routing decisions per second and the cost of one decision, over the
time spent inside ``submit`` and ``complete`` (every decision they return
counts, whether it offers the item or leaves it waiting), in CPU time of this
thread (``time.thread_time_ns``, which waiting for a CPU shared with other
processes does not inflate) and in wall time (``time.perf_counter_ns``); the
wall-clock latency of each call (nearest-rank percentiles); the share of the
time inside the calls spent in garbage collection.

Rows, side by side at each size: the dispatcher with ``LongestIdle`` (indexed:
agents kept pre-sorted by the ranker, so a decision stops at the winner); the
peer, a plain function that loops over every agent with the same eligibility
checks (presence, channel, skill levels, ``profile.refusal``) and keeps the
longest idle, handling waiting work the same way; the dispatcher with
``BestSkillMatch`` (its key depends on the item, so it ranks every agent of
the pool) and with ``explain=True`` (every agent of the queue examined). The
peer replays the dispatcher's warm-up decisions (no scanning), so both start
the measured items from the same state, then decides on its own: it must pick
the same agent for every item, and the table says whether it did. The rows that
look at every agent measure fewer items at the larger sizes (said in the row);
the ``BestSkillMatch`` and ``explain`` rows warm up briefly after the prefill.

Nothing here asserts on speed: the targets are printed next to the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import math
import os
import platform
import pstats
import random
import sys
import textwrap
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from _report import Row, mb, print_table, rss_now_bytes, rss_peak_bytes, verdict

from omnicontext.model import Agent
from omnicontext.routing import (
    BestSkillMatch,
    CapacityProfile,
    Dispatcher,
    Holding,
    LongestIdle,
    Policy,
    Queue,
    WorkItem,
)

TARGET_DECISIONS_PER_S = 20_000
TARGET_SCALE_RATIO = 1.5
FILL = 0.75
"""Share of all agents' capacity held (or asked for by waiting work) in steady state."""
ARRIVAL_SPACING = timedelta(seconds=30)
"""Items arrive ``ARRIVAL_SPACING / agents`` apart: the same share per agent at every size."""
SCAN_BUDGET = 5_000_000
"""Agent visits (warm-up included) allowed per size to a row that looks at every
agent; ``explain=True`` gets a fifth of it (each visit also words a reason)."""
SHORT_WARMUP = 100
SKILLS = tuple(f"skill_{i:02d}" for i in range(30))
CHANNELS = ("email", "chat", "phone", "sms", "whatsapp")
LIVE = frozenset({"phone"})
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PROFILE = CapacityProfile.default()
UNITS = {c: float(PROFILE.units(c)) for c in CHANNELS}

Pair = tuple[str, str | None]
"""One decision: the item, and the agent it went to (``None``: it waits)."""


# -- input --------------------------------------------------------------------------


def _agents(rng: random.Random, n: int) -> list[Agent]:
    agents = []
    for i in range(n):
        skills = {s: rng.randint(1, 10) for s in rng.sample(SKILLS, rng.randint(4, 6))}
        channels = rng.sample(CHANNELS, rng.randint(2, 3))
        agents.append(Agent(id=f"ag_{i:05d}", skills=skills, channels=channels))
    return agents


def _item(rng: random.Random, agent: Agent, item_id: str, at: datetime, calls: bool) -> WorkItem:
    """An item ``agent`` could take: one of their channels (calls left out
    unless ``calls``), one or two of their skills at or below their level."""
    channels = agent.channels if calls else [c for c in agent.channels if c not in LIVE]
    channel = rng.choice(channels)
    wanted = rng.sample(sorted(agent.skills), 2 if rng.random() < 0.2 else 1)
    skills = {s: rng.randint(1, agent.skills[s]) for s in wanted}
    return WorkItem(id=item_id, channel=channel, skills=skills, created_at=at)


class Workload:
    """Agents, the prefill, and the arrival stream (built on demand, then kept,
    so every router of one size sees the same items)."""

    def __init__(self, n_agents: int, seed: int, *, calls: bool) -> None:
        rng = random.Random(f"{seed}/{n_agents}/{calls}")
        self.calls = calls
        self.agents = _agents(rng, n_agents)
        self.capacity = float(n_agents)
        self.units: dict[str, float] = {}
        self.prefill: list[tuple[WorkItem, str]] = []
        shadow: list[list[Holding]] = [[] for _ in self.agents]
        held, attempts = 0.0, 0
        while held < FILL * n_agents and attempts < 50 * n_agents:
            attempts += 1
            k = rng.randrange(n_agents)
            agent = self.agents[k]
            item = _item(rng, agent, f"pre_{len(self.prefill)}", START, calls)
            if PROFILE.refusal(shadow[k], item.channel, now=START) is not None:
                continue
            shadow[k].append(
                PROFILE.holding(agent_id=agent.id, item_id=item.id, channel=item.channel)
            )
            self.prefill.append((item, agent.id))
            self.units[item.id] = UNITS[item.channel]
            held += UNITS[item.channel]
        self.held_at_start = held
        self._rng = random.Random(f"{seed}/{n_agents}/{calls}/stream")
        self._spacing = ARRIVAL_SPACING / n_agents
        self._stream: list[tuple[datetime, WorkItem]] = []

    def arrival(self, i: int) -> tuple[datetime, WorkItem]:
        stream = self._stream
        while len(stream) <= i:
            n = len(stream)
            at = START + (n + 1) * self._spacing
            agent = self.agents[self._rng.randrange(len(self.agents))]
            item = _item(self._rng, agent, f"it_{n}", at, self.calls)
            self.units[item.id] = UNITS[item.channel]
            stream.append((at, item))
        return stream[i]


# -- routers ------------------------------------------------------------------------


class Router(Protocol):
    def assign(self, item: WorkItem, agent_id: str, now: datetime) -> None: ...

    def submit(self, item: WorkItem, now: datetime) -> list[Pair]: ...

    def complete(self, item_id: str, now: datetime) -> list[Pair]: ...


class DispatcherRouter:
    """The library's dispatcher: one queue under ``policy``, offers accepted at once."""

    def __init__(self, agents: Sequence[Agent], policy: Policy, *, explain: bool = False) -> None:
        self.dispatcher = Dispatcher(
            [Queue("default", policy=policy)], auto_accept=True, explain=explain
        )
        for agent in agents:
            self.dispatcher.add_agent(agent, profile=PROFILE, presence="available", now=START)

    def assign(self, item: WorkItem, agent_id: str, now: datetime) -> None:
        self.dispatcher.assign(item, agent_id, now=now)

    def submit(self, item: WorkItem, now: datetime) -> list[Pair]:
        return [(d.item_id, d.agent_id) for d in self.dispatcher.submit(item, now=now)]

    def complete(self, item_id: str, now: datetime) -> list[Pair]:
        decisions = self.dispatcher.complete(item_id, now=now, wrap_up=timedelta(0))
        return [(d.item_id, d.agent_id) for d in decisions]


class _Seat:
    __slots__ = (
        "available",
        "channels",
        "holdings",
        "id",
        "idle_since",
        "index",
        "last_assigned_at",
        "last_offered",
        "profile",
        "skills",
    )

    def __init__(self, agent: Agent, index: int, profile: CapacityProfile) -> None:
        self.id = agent.id
        self.index = index
        self.available = True
        self.skills = agent.skills
        self.channels = frozenset(agent.channels)
        self.profile = profile
        self.holdings: dict[str, Holding] = {}
        self.idle_since: datetime | None = START
        self.last_assigned_at: datetime | None = None
        self.last_offered = 0


class NaiveScan:
    """The peer: for each item, look at every agent and keep the eligible one
    idle longest (then: assigned least recently; ties: offered least recently,
    then list order), as ``LongestIdle`` ranks. Waiting work goes, oldest
    first, to an agent whose capacity frees.

    While ``script`` is set, decisions are not made but read from it (one list
    per call, as another router returned them), to reach that router's state."""

    def __init__(self, agents: Sequence[Agent]) -> None:
        self.seats = [_Seat(a, i, PROFILE) for i, a in enumerate(agents)]
        self.by_id = {s.id: s for s in self.seats}
        self.where: dict[str, _Seat] = {}
        self.waiting: dict[str, WorkItem] = {}
        self.offers = 0
        self.script: Iterator[list[Pair]] | None = None

    @staticmethod
    def _fits(seat: _Seat, item: WorkItem, now: datetime) -> bool:
        if not seat.available:
            return False
        if item.channel not in seat.channels or not seat.profile.serves(item.channel):
            return False
        skills = seat.skills
        for skill, level in item.skills.items():
            if skills.get(skill, 0) < level:
                return False
        return seat.profile.refusal(seat.holdings.values(), item.channel, now=now) is None

    def _hand_over(self, item: WorkItem, seat: _Seat, now: datetime) -> None:
        seat.holdings[item.id] = seat.profile.holding(
            agent_id=seat.id, item_id=item.id, channel=item.channel
        )
        self.where[item.id] = seat
        self.offers += 1
        seat.last_offered = self.offers
        seat.last_assigned_at = now
        seat.idle_since = None

    def _follow(self, item: WorkItem | None, now: datetime) -> list[Pair]:
        assert self.script is not None
        out = next(self.script)
        for item_id, agent_id in out:
            if agent_id is None:
                assert item is not None
                assert item_id == item.id
                self.waiting[item_id] = item
            else:
                given = item if item is not None and item_id == item.id else None
                self._hand_over(given or self.waiting.pop(item_id), self.by_id[agent_id], now)
        return out

    def assign(self, item: WorkItem, agent_id: str, now: datetime) -> None:
        self._hand_over(item, self.by_id[agent_id], now)

    def submit(self, item: WorkItem, now: datetime) -> list[Pair]:
        if self.script is not None:
            return self._follow(item, now)
        best: _Seat | None = None
        best_key: tuple[int, float, int, int] | None = None
        fits = self._fits
        for seat in self.seats:
            if not fits(seat, item, now):
                continue
            if seat.idle_since is not None:
                key = (0, seat.idle_since.timestamp(), seat.last_offered, seat.index)
            else:
                last = seat.last_assigned_at
                stamp = last.timestamp() if last is not None else 0.0
                key = (1, stamp, seat.last_offered, seat.index)
            if best_key is None or key < best_key:
                best, best_key = seat, key
        if best is None:
            self.waiting[item.id] = item
            return [(item.id, None)]
        self._hand_over(item, best, now)
        return [(item.id, best.id)]

    def complete(self, item_id: str, now: datetime) -> list[Pair]:
        seat = self.where.pop(item_id)
        del seat.holdings[item_id]
        if not seat.holdings:
            seat.idle_since = now
        if self.script is not None:
            return self._follow(None, now)
        out: list[Pair] = []
        while True:
            found = next((w for w in self.waiting.values() if self._fits(seat, w, now)), None)
            if found is None:
                return out
            del self.waiting[found.id]
            self._hand_over(found, seat, now)
            out.append((found.id, seat.id))


# -- driving and measuring --------------------------------------------------------------


def _percentile(sorted_ns: Sequence[int], q: float) -> float:
    """Nearest-rank percentile of sorted nanosecond samples, in microseconds."""
    if not sorted_ns:
        return math.nan
    rank = min(len(sorted_ns), max(1, math.ceil(q / 100 * len(sorted_ns))))
    return sorted_ns[rank - 1] / 1e3


@dataclass
class Result:
    name: str
    agents: int
    warmup: int = 0
    measured: int = 0
    decisions: int = 0
    waits: int = 0
    wall_ns: int = 0
    cpu_ns: int = 0
    submit_ns: list[int] = field(default_factory=list)
    submit_cpu_ns: list[int] = field(default_factory=list)
    complete_ns: list[int] = field(default_factory=list)
    gc_ns: int = 0
    waiting_sum: int = 0
    waiting_max: int = 0
    waiting_end: int = 0
    live_waiting_end: int = 0
    build_s: float = 0.0
    run_s: float = 0.0
    rss_growth: int | None = None
    pairs: list[Pair] = field(default_factory=list)
    script: list[list[Pair]] = field(default_factory=list)

    def per_s(self, cpu: bool = True) -> float:
        ns = self.cpu_ns if cpu else self.wall_ns
        return self.decisions / (ns / 1e9) if ns else math.inf

    def cost_us(self, cpu: bool = True) -> float:
        ns = self.cpu_ns if cpu else self.wall_ns
        return ns / 1e3 / max(self.decisions, 1)

    def submit_at(self, q: float, cpu: bool = False) -> float:
        return _percentile(sorted(self.submit_cpu_ns if cpu else self.submit_ns), q)

    def complete_at(self, q: float) -> float:
        return _percentile(sorted(self.complete_ns), q)


def drive(
    name: str,
    make: Callable[[], Router],
    load: Workload,
    *,
    measured: int,
    warmup: int | None,
    record: bool = False,
    replay: Sequence[list[Pair]] | None = None,
    profiler: cProfile.Profile | None = None,
) -> Result:
    """Build the router and apply the prefill; route the stream until warmed up
    (``warmup`` items, or ``None``: until every prefilled item is finished),
    then ``measured`` more items, timing each ``submit`` and ``complete``.

    ``record`` keeps the warm-up decisions (per call) for ``replay`` by a
    :class:`NaiveScan`, which then follows them instead of deciding."""
    result = Result(name, len(load.agents))
    gc.collect()
    rss0 = rss_now_bytes()
    t0 = time.perf_counter()
    router = make()
    for item, agent_id in load.prefill:
        router.assign(item, agent_id, START)
    result.build_s = time.perf_counter() - t0
    if replay is not None:
        assert isinstance(router, NaiveScan)
        router.script = iter(replay)
    units = load.units
    prefilled = len(load.prefill)
    held_items: deque[str] = deque(item.id for item, _ in load.prefill)
    held, queued, finished = load.held_at_start, 0.0, 0
    limit = FILL * load.capacity
    waiting: dict[str, None] = {}
    wall, cpu = time.perf_counter_ns, time.thread_time_ns
    measuring = False

    def account(out: list[Pair]) -> None:
        nonlocal held, queued
        for item_id, agent_id in out:
            if agent_id is None:
                if item_id not in waiting:
                    waiting[item_id] = None
                    queued += units[item_id]
            else:
                if item_id in waiting:
                    del waiting[item_id]
                    queued -= units[item_id]
                held_items.append(item_id)
                held += units[item_id]
        if measuring:
            result.pairs.extend(out)
            result.decisions += len(out)
            result.waits += sum(agent_id is None for _, agent_id in out)
        elif record:
            result.script.append(out)

    gc_started = 0
    in_call = False

    def on_gc(phase: str, info: dict[str, int]) -> None:
        nonlocal gc_started
        if phase == "start":
            gc_started = wall()
        elif measuring and in_call:
            result.gc_ns += wall() - gc_started

    gc.callbacks.append(on_gc)
    started = time.perf_counter()
    i = 0
    while result.measured < measured:
        if not measuring and (finished >= prefilled if warmup is None else i >= warmup):
            measuring = True
            result.warmup = i
            if replay is not None:
                router.script = None  # type: ignore[attr-defined]
            if profiler is not None:
                profiler.enable()
        now, item = load.arrival(i)
        i += 1
        in_call = True
        w0, c0 = wall(), cpu()
        out = router.submit(item, now)
        c1, w1 = cpu(), wall()
        in_call = False
        if measuring:
            result.submit_ns.append(w1 - w0)
            result.submit_cpu_ns.append(c1 - c0)
            result.wall_ns += w1 - w0
            result.cpu_ns += c1 - c0
            result.measured += 1
        account(out)
        while held + queued > limit and held_items:
            oldest = held_items.popleft()
            held -= units[oldest]
            finished += oldest.startswith("pre_")
            in_call = True
            w0, c0 = wall(), cpu()
            out = router.complete(oldest, now)
            c1, w1 = cpu(), wall()
            in_call = False
            if measuring:
                result.complete_ns.append(w1 - w0)
                result.wall_ns += w1 - w0
                result.cpu_ns += c1 - c0
            account(out)
        if measuring:
            result.waiting_sum += len(waiting)
            result.waiting_max = max(result.waiting_max, len(waiting))
    if profiler is not None:
        profiler.disable()
    gc.callbacks.remove(on_gc)
    result.run_s = time.perf_counter() - started
    result.waiting_end = len(waiting)
    result.live_waiting_end = sum(load.units[w] == UNITS["phone"] for w in waiting)
    gc.collect()
    rss1 = rss_now_bytes()
    result.rss_growth = None if rss0 is None or rss1 is None else rss1 - rss0
    del router
    return result


# -- the run --------------------------------------------------------------------------


def _status(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@dataclass
class Size:
    agents: int
    prefill: int
    main: Result
    naive: Result
    best_skill: Result
    explain: Result


def _scan_items(n_agents: int, items: int, budget: int) -> int:
    """Measured items for a row that looks at every agent (at least 100)."""
    return max(100, min(items, budget // n_agents - SHORT_WARMUP))


def run_size(n: int, args: argparse.Namespace, profile_here: bool) -> Size:
    load = Workload(n, args.seed, calls=False)
    # Build the stream up front, so it is neither timed nor counted as the
    # dispatcher's memory (the warm-up takes about as many items as the prefill).
    load.arrival((args.warmup or len(load.prefill)) + args.items)
    gc.collect()
    gc.freeze()  # the inputs: agents and the prefill, built once per size
    _status(f"{n:,} agents: dispatcher, LongestIdle ...")
    main = drive(
        "dispatcher LongestIdle",
        lambda: DispatcherRouter(load.agents, Policy(rankers=(LongestIdle(),))),
        load,
        measured=args.items,
        warmup=args.warmup,
        record=True,
    )
    if profile_here:
        # A run of its own: the profiler slows every call, so no figure comes from it.
        _status(f"{n:,} agents: dispatcher, LongestIdle, under cProfile ...")
        profiler = cProfile.Profile()
        drive(
            "dispatcher LongestIdle, profiled",
            lambda: DispatcherRouter(load.agents, Policy(rankers=(LongestIdle(),))),
            load,
            measured=min(args.items, 5_000),
            warmup=args.warmup,
            profiler=profiler,
        )
        print(f"\n== cProfile: dispatcher, LongestIdle, {n:,} agents, measured items ==")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    scan = _scan_items(n, args.items, args.scan_budget)
    _status(f"{n:,} agents: naive scan peer ({scan:,} items) ...")
    naive = drive(
        "peer: naive scan",
        lambda: NaiveScan(load.agents),
        load,
        measured=scan,
        warmup=main.warmup,
        replay=main.script,
    )
    main.script = []
    _status(f"{n:,} agents: dispatcher, BestSkillMatch ({scan:,} items) ...")
    best_skill = drive(
        "dispatcher BestSkillMatch",
        lambda: DispatcherRouter(load.agents, Policy(rankers=(BestSkillMatch(),))),
        load,
        measured=scan,
        warmup=SHORT_WARMUP,
    )
    scan = _scan_items(n, args.items, args.scan_budget // 5)
    _status(f"{n:,} agents: dispatcher, explain=True ({scan:,} items) ...")
    explain = drive(
        "dispatcher explain=True",
        lambda: DispatcherRouter(load.agents, Policy(rankers=(LongestIdle(),)), explain=True),
        load,
        measured=scan,
        warmup=SHORT_WARMUP,
    )
    gc.unfreeze()
    return Size(n, len(load.prefill), main, naive, best_skill, explain)


def run_blended(n: int, args: argparse.Namespace) -> tuple[int, Result]:
    """The stream with calls: as many items as the prefill held, after it."""
    load = Workload(n, args.seed, calls=True)
    load.arrival(len(load.prefill))
    _status(f"{n:,} agents: blended stream with calls ({len(load.prefill):,} items) ...")
    result = drive(
        "dispatcher LongestIdle, calls in the mix",
        lambda: DispatcherRouter(load.agents, Policy(rankers=(LongestIdle(),))),
        load,
        measured=len(load.prefill),
        warmup=0,
    )
    return len(load.prefill), result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--items", type=int, help="measured items per size (default 20,000)")
    parser.add_argument("--seed", type=int, default=20260105)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="100, 1,000 and 5,000 agents, 2,000 items after a 1,000-item warm-up",
    )
    parser.add_argument(
        "--profile", action="store_true", help="cProfile the dispatcher at the middle size"
    )
    args = parser.parse_args(argv)
    sizes = (100, 1_000, 5_000) if args.quick else (200, 2_000, 20_000)
    if args.items is None:
        args.items = 2_000 if args.quick else 20_000
    args.warmup = 1_000 if args.quick else None
    args.scan_budget = SCAN_BUDGET // 5 if args.quick else SCAN_BUDGET
    started = time.perf_counter()
    runs = [run_size(n, args, args.profile and n == sizes[1]) for n in sizes]
    blended = [run_blended(n, args) for n in sizes[: 1 if args.quick else 2]]
    report(args, sizes, runs, blended, time.perf_counter() - started)
    return 0


def _join(values: Sequence[str]) -> str:
    return " | ".join(values)


def _us(x: float) -> str:
    return f"{x:,.1f}" if x < 100 else f"{x:,.0f}"


def _pair(a: float, b: float) -> str:
    return f"{_us(a)} / {_us(b)}"


def _mean_us(samples: Sequence[int]) -> str:
    return _us(sum(samples) / len(samples) / 1e3) if samples else "n/a"


def _agreement(main: Result, naive: Result) -> str:
    theirs = naive.pairs
    ours = main.pairs[: len(theirs)]
    agree = sum(a == b for a, b in zip(ours, theirs, strict=False))
    return f"{'yes' if ours == theirs else 'NO'} ({agree:,} of {len(theirs):,})"


def report(
    args: argparse.Namespace,
    sizes: Sequence[int],
    runs: Sequence[Size],
    blended: Sequence[tuple[int, Result]],
    total_s: float,
) -> None:
    small, middle = runs[0], runs[1]
    labels = " | ".join(f"{n:,}" for n in sizes)
    load_avg = " ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    warm = _join([f"{r.main.warmup:,}" for r in runs])
    header = [
        f"agents {labels}; skills {len(SKILLS)}; channels {', '.join(CHANNELS)}; "
        f"seed {args.seed}" + ("; --quick" if args.quick else ""),
        f"prefill (75% of capacity held): {_join([f'{r.prefill:,}' for r in runs])} items; "
        f"warm-up: {warm} items"
        + ("" if args.quick else " (until every prefilled item is finished)")
        + f"; measured: {args.items:,} items per size",
        f"python {platform.python_version()}; {platform.machine()} {platform.system()}; "
        f"cpus {os.cpu_count()}; load average {load_avg}; whole run {total_s:,.0f} s",
    ]
    per_s = middle.main.per_s()
    main_rows = [
        Row(
            f"decisions/s at {middle.agents:,} agents, CPU (wall)",
            f"{per_s:,.0f} /s ({middle.main.per_s(cpu=False):,.0f} /s)",
            f">= {TARGET_DECISIONS_PER_S:,} /s",
            verdict(per_s >= TARGET_DECISIONS_PER_S),
        ),
        Row(
            f"submit latency at {middle.agents:,} agents, p50 / p99 wall",
            f"{_us(middle.main.submit_at(50))} / {_us(middle.main.submit_at(99))} us",
        ),
        Row("cost per decision, us CPU", _join([_us(r.main.cost_us()) for r in runs])),
        Row(
            "cost per decision, us wall",
            _join([_us(r.main.cost_us(cpu=False)) for r in runs]),
        ),
    ]
    for n, r in enumerate(runs[1:]):
        ratio = r.main.cost_us() / small.main.cost_us()
        ratio_wall = r.main.cost_us(cpu=False) / small.main.cost_us(cpu=False)
        # The target is set for the middle size (2,000 agents against 200); the
        # largest size is shown for how the cost keeps growing.
        targeted = n == 0
        main_rows.append(
            Row(
                f"cost at {r.agents:,} / at {small.agents:,} agents, CPU (wall)",
                f"{ratio:.2f} x ({ratio_wall:.2f} x)",
                f"<= {TARGET_SCALE_RATIO:g} x" if targeted else "",
                verdict(ratio <= TARGET_SCALE_RATIO) if targeted else "",
            )
        )
    main_rows += [
        Row(
            "submit p50 / p99, us wall",
            _join([f"{_us(r.main.submit_at(50))} / {_us(r.main.submit_at(99))}" for r in runs]),
        ),
        Row(
            "submit p50 / p99, us CPU",
            _join(
                [
                    _pair(r.main.submit_at(50, cpu=True), r.main.submit_at(99, cpu=True))
                    for r in runs
                ]
            ),
        ),
        Row(
            "complete p50 / p99, us wall",
            _join(
                [f"{_us(r.main.complete_at(50))} / {_us(r.main.complete_at(99))}" for r in runs]
            ),
        ),
        Row(
            "decisions per arrival",
            _join([f"{r.main.decisions / r.main.measured:.2f}" for r in runs]),
        ),
        Row(
            "decisions leaving the item waiting",
            _join([f"{r.main.waits / max(r.main.decisions, 1):.1%}" for r in runs]),
        ),
        Row(
            "items waiting, mean / max",
            _join(
                [
                    f"{r.main.waiting_sum / r.main.measured:,.0f} / {r.main.waiting_max:,}"
                    for r in runs
                ]
            ),
        ),
        Row(
            "garbage collection, share of that time",
            _join([f"{r.main.gc_ns / max(r.main.wall_ns, 1):.1%}" for r in runs]),
        ),
        Row("add agents + prefill, s", _join([f"{r.main.build_s:,.2f}" for r in runs])),
        Row("RSS growth: dispatcher and state", _join([mb(r.main.rss_growth) for r in runs])),
    ]
    peer_rows = [
        Row("dispatcher LongestIdle (indexed)", _join([_us(r.main.cost_us()) for r in runs])),
        Row("peer: naive scan of every agent", _join([_us(r.naive.cost_us()) for r in runs])),
        Row("  items measured", _join([f"{r.naive.measured:,}" for r in runs])),
        Row(
            "  peer / dispatcher",
            _join([f"{r.naive.cost_us() / r.main.cost_us():.2f} x" for r in runs]),
        ),
        Row("  same agent as the dispatcher", _join([_agreement(r.main, r.naive) for r in runs])),
        Row(
            "dispatcher BestSkillMatch (ranks the pool)",
            _join([_us(r.best_skill.cost_us()) for r in runs]),
        ),
        Row("  items measured", _join([f"{r.best_skill.measured:,}" for r in runs])),
        Row(
            "dispatcher explain=True (every agent)",
            _join([_us(r.explain.cost_us()) for r in runs]),
        ),
        Row("  items measured", _join([f"{r.explain.measured:,}" for r in runs])),
    ]
    blended_rows = [
        Row(
            "items routed after the prefill (= prefilled)",
            _join([f"{n:,}" for n, _ in blended]),
        ),
        Row(
            "items waiting at the end (of them calls)",
            _join([f"{r.waiting_end:,} ({r.live_waiting_end:,})" for _, r in blended]),
        ),
        Row(
            "decisions leaving the item waiting",
            _join([f"{r.waits / max(r.decisions, 1):.1%}" for _, r in blended]),
        ),
        Row("cost per decision, us CPU", _join([_us(r.cost_us()) for _, r in blended])),
        Row(
            "complete mean, first / last quarter, us wall",
            _join(
                [
                    f"{_mean_us(r.complete_ns[: len(r.complete_ns) // 4])} / "
                    f"{_mean_us(r.complete_ns[-(len(r.complete_ns) // 4) :])}"
                    for _, r in blended
                ]
            ),
        ),
    ]
    blended_sizes = " | ".join(f"{r.agents:,}" for _, r in blended)
    print_table(
        "omnicontext routing benchmark",
        header,
        [
            (f"dispatcher, LongestIdle, stream without calls: {labels} agents", main_rows),
            (f"cost per decision, us CPU: {labels} agents", peer_rows),
            (
                f"blended stream, calls included (about 1 item in 5): {blended_sizes} agents",
                blended_rows,
            ),
            ("memory", [Row("peak RSS of this process (ru_maxrss)", mb(rss_peak_bytes()))]),
        ],
    )
    notes = (
        "notes: a decision is one Decision returned by submit or complete (an offer, or the "
        "item left waiting); cost per decision is the time inside submit and complete over the "
        "decisions they returned, in CPU time of this thread (wall time also counts time the "
        "process waited for a CPU); garbage collection is timed with gc.callbacks during the "
        "measured items and compared with the wall time inside the calls; latencies are per "
        "call, nearest-rank percentiles; the naive peer replays the dispatcher's warm-up "
        "decisions, then decides alone from the same state; BestSkillMatch and explain=True "
        f"start after the prefill and {SHORT_WARMUP} items; RSS growth is /proc/self/statm "
        "after gc.collect(), before building the dispatcher and after its run (the stream is "
        "built before); the inputs (agents, prefill, stream) were gc.freeze()d during each size."
    )
    print(textwrap.fill(notes, width=100))


if __name__ == "__main__":
    sys.exit(main())
