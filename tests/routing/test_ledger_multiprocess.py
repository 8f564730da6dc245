"""Eight processes route 10,000 items to 50 agents against one ``SQLiteLedger`` file.

Every item is in the share of two or three processes (overlapping shares), and
the processes go through the items in the same order, a block of 20 at a time,
meeting at a barrier after each block: so the sharers of an item race for it
at the same moment. A process tries the agents in a rotating order from a
random start until one reserves; an item nobody has room for is tried again
once the rest of the block is done. An item won in one block is let go after
the next, so capacity churns: a phone call is finished with a wrap-up (the
agent stays busy until it lapses), a chat is released or finished with no
wrap-up, an email is released. The channels mix exclusive work with
fractions: phone (whole agent, exclusive, wrap-up), chat (1/3, at most 3),
email (1/10).

Nothing is let go until every sharer has had its try at it (the barrier sees
to that), so the only outcomes for a sharer are "won", "held by another
agent", and, when two processes offered the item to the same agent, the
idempotent "already yours". That makes "each item is assigned exactly once"
a property of the ledger alone.

Afterwards the journal is replayed, in ``seq`` order, through a model written
here independently of the library's capacity code. Its clock is the latest
``now`` any reservation was made at, which never runs ahead of real time, so
a wrap-up lapses in the model no earlier than it could have in the ledger.
The replay asserts: no agent ever above capacity, over a channel limit, or
holding anything beside exclusive work; no item ever reserved while another
agent held it; every item reserved exactly once; and every process's account
of what it won agrees with the journal. Nothing here depends on timing.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
import traceback
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

import attrs
import pytest

from omnicontext.errors import NotFound
from omnicontext.routing import CapacityProfile, ChannelCapacity, Holding
from omnicontext.routing.sqlite_ledger import JournalEntry, SQLiteLedger

pytestmark = pytest.mark.slow

PROCESSES = 8
ITEMS = 10_000
AGENTS = 50
BLOCK = 20
"""The processes go through the items a block at a time, meeting at a barrier
after each; an item won in one block is let go after the next, so at most two
blocks' items are live at once (40 items: there is always an agent free for a
call once the wrap-ups lapse)."""
WRAP_UP = timedelta(milliseconds=20)
TIMEOUT = 300.0

AGENT_IDS = tuple(f"ag_{n:02d}" for n in range(AGENTS))
ITEM_IDS = tuple(f"it_{n:05d}" for n in range(ITEMS))
CHANNEL_CYCLE = ("phone", "chat", "email", "email", "chat", "phone", "email", "chat", "email")

PROFILE = CapacityProfile(
    channels={
        "phone": ChannelCapacity(units=1, limit=1, exclusive=True, wrap_up=WRAP_UP),
        "chat": ChannelCapacity(units="1/3", limit=3),
        "email": ChannelCapacity(units="1/10"),
    }
)
"""What each process routes with (handed to it as data). The default profile's
60-second phone wrap-up would leave the test waiting; the rules are the same."""

# The replay's own statement of the rules, independent of CapacityProfile.
CAPACITY = Fraction(1)
UNITS = {"phone": Fraction(1), "chat": Fraction(1, 3), "email": Fraction(1, 10)}
LIMITS = {"phone": 1, "chat": 3, "email": None}
EXCLUSIVE = {"phone"}


def channel_of(item: int) -> str:
    return CHANNEL_CYCLE[item % len(CHANNEL_CYCLE)]


def sharers(item: int) -> tuple[int, ...]:
    """The processes whose share holds ``item``: two, or three for every third."""
    first, second = item % PROCESSES, (item + 1) % PROCESSES
    if item % 3 == 0:
        return (first, second, (item + 4) % PROCESSES)
    return (first, second)


def _worker(me: int, path: str, profile: CapacityProfile, barrier: Any, results: Any) -> None:
    """In a spawned process: route this process's share, then report."""
    try:
        results.put(("done", me, _route(me, path, profile, barrier)))
    except BaseException:
        results.put(("error", me, traceback.format_exc()))


def _route(me: int, path: str, profile: CapacityProfile, barrier: Any) -> Any:
    rng = random.Random(me)
    stats: Counter[str] = Counter()
    won: list[tuple[str, str]] = []
    outcomes: dict[int, str] = {}
    held: list[int] = []  # won in the previous block, let go after this one
    with SQLiteLedger(path) as ledger:
        barrier.wait(timeout=120)
        for block in range(0, ITEMS, BLOCK):
            pending = deque(i for i in range(block, block + BLOCK) if me in sharers(i))
            winning: list[int] = []
            while pending:
                item = pending.popleft()
                outcome = _offer(ledger, profile, item, rng, stats)
                if outcome is None:  # nobody has room: wait for a wrap-up to lapse
                    pending.append(item)
                    stats["deferred"] += 1
                    time.sleep(0.001)
                    continue
                outcomes[item] = outcome[0]
                if outcome[0] == "won":
                    won.append((ITEM_IDS[item], outcome[1]))
                    winning.append(item)
            # Every process has had its try at every item of this block.
            barrier.wait(timeout=120)
            for item in held:
                _let_go(ledger, item, stats)
            held = winning
        for item in held:
            _let_go(ledger, item, stats)
    return {"stats": dict(stats), "won": won, "outcomes": outcomes}


def _offer(
    ledger: SQLiteLedger,
    profile: CapacityProfile,
    item: int,
    rng: random.Random,
    stats: Counter[str],
) -> tuple[str, str] | None:
    """Try the agents from a random start until one reserves ``item``."""
    start = rng.randrange(AGENTS)
    for k in range(AGENTS):
        agent = AGENT_IDS[(start + k) % AGENTS]
        got = ledger.reserve(agent, ITEM_IDS[item], channel_of(item), profile, now=_now())
        stats["reserve calls"] += 1
        if isinstance(got, Holding):
            return ("won", agent)
        if got.holder is not None:
            stats["held by another agent"] += 1
            return ("lost", got.holder)
        stats["no room"] += 1
    return None


def _let_go(ledger: SQLiteLedger, item: int, stats: Counter[str]) -> None:
    """The work on ``item`` is over: finish it (with or without wrap-up) or release it."""
    item_id, channel = ITEM_IDS[item], channel_of(item)
    try:
        if channel == "phone":
            ledger.finish(item_id, until=_now() + WRAP_UP)
            stats["finished with wrap-up"] += 1
        elif channel == "chat" and item % 2:
            ledger.finish(item_id, until=_now())
            stats["finished"] += 1
        elif ledger.release(item_id) is not None:
            stats["released"] += 1
        else:
            stats["already let go by a sharer"] += 1
    except NotFound:  # another process offered it to the same agent and let go first
        stats["already let go by a sharer"] += 1


def _now() -> datetime:
    return datetime.now(UTC)


# -- the replay ---------------------------------------------------------------------


@attrs.define
class _Held:
    agent_id: str
    channel: str
    until: datetime | None

    def live(self, clock: datetime) -> bool:
        return self.until is None or self.until > clock


def replay(entries: list[JournalEntry]) -> tuple[list[str], Counter[str]]:
    """Every rule broken in the journal, and how often each item was reserved."""
    broken: list[str] = []
    reserved: Counter[str] = Counter()
    held: dict[str, _Held] = {}
    clock = datetime.min.replace(tzinfo=UTC)
    last_seq = 0
    for e in entries:
        where = f"seq {e.seq} ({e.op} {e.item_id} for {e.agent_id})"
        if e.seq <= last_seq:
            broken.append(f"{where}: out of order after seq {last_seq}")
        last_seq = e.seq
        if e.units != UNITS[e.channel] or e.exclusive != (e.channel in EXCLUSIVE):
            broken.append(f"{where}: recorded as {e.units} exclusive={e.exclusive}")
        current = held.get(e.item_id)
        if e.op == "reserve":
            clock = max(clock, e.at)
            reserved[e.item_id] += 1
            if current is not None and current.live(clock):
                broken.append(f"{where}: {current.agent_id} held it")
            mine = [h for i, h in held.items() if h.agent_id == e.agent_id and h.live(clock)] + [
                _Held(e.agent_id, e.channel, None)
            ]
            used = sum((UNITS[h.channel] for h in mine), Fraction(0))
            if used > CAPACITY:
                broken.append(f"{where}: agent at {used} of {CAPACITY}")
            for channel, limit in LIMITS.items():
                count = sum(h.channel == channel for h in mine)
                if limit is not None and count > limit:
                    broken.append(f"{where}: {count} {channel} items, limit {limit}")
            if any(h.channel in EXCLUSIVE for h in mine) and len(mine) > 1:
                broken.append(f"{where}: exclusive work beside {len(mine) - 1} other items")
            held[e.item_id] = _Held(e.agent_id, e.channel, None)
        elif current is None or current.agent_id != e.agent_id:
            broken.append(f"{where}: the agent did not hold it")
        elif e.op == "release":
            del held[e.item_id]
        else:
            current.until = e.until
    return broken, reserved


# -- the test -----------------------------------------------------------------------


def test_processes_racing_on_one_ledger_never_break_a_rule(tmp_path: Path) -> None:
    began = time.perf_counter()
    path = str(tmp_path / "ledger.db")
    SQLiteLedger(path).close()  # the tables exist before anyone races
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    workers = [
        ctx.Process(target=_worker, args=(me, path, PROFILE, barrier, results))
        for me in range(PROCESSES)
    ]
    for w in workers:
        w.start()
    reports: dict[int, Any] = {}
    errors: list[str] = []
    deadline = time.monotonic() + TIMEOUT
    try:
        while len(reports) + len(errors) < PROCESSES:
            try:
                kind, me, payload = results.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                pytest.fail(f"only {len(reports)} of {PROCESSES} processes reported in time")
            if kind == "error":
                errors.append(f"process {me}:\n{payload}")
            else:
                reports[me] = payload
    finally:
        for w in workers:
            w.join(timeout=30)
            if w.is_alive():  # pragma: no cover - only after a failure above
                w.kill()
                w.join()
    routed = time.perf_counter() - began
    assert errors == [], "\n".join(errors)

    with SQLiteLedger(path) as ledger:
        entries = list(ledger.journal())
        leftover = list(ledger.scan(now=_now() + timedelta(hours=1)))

    broken, reserved = replay(entries)
    assert broken == [], f"{len(broken)} broken rules, first: {broken[:10]}"
    assert sorted(reserved) == list(ITEM_IDS), "some items were never assigned"
    assert [item for item, n in reserved.items() if n != 1] == []
    assert leftover == []

    # Each process concluded every item of its share exactly once, and what the
    # processes say they won is exactly what the journal says was reserved.
    for me, report in reports.items():
        assert sorted(report["outcomes"]) == [i for i in range(ITEMS) if me in sharers(i)]
    journal_pairs = {(e.item_id, e.agent_id) for e in entries if e.op == "reserve"}
    claimed = [pair for report in reports.values() for pair in report["won"]]
    assert set(claimed) == journal_pairs
    joined = len(claimed) - ITEMS  # two processes offered an item to the same agent
    lost = sum(r["stats"].get("held by another agent", 0) for r in reports.values())
    assert lost + len(claimed) == sum(len(sharers(i)) for i in range(ITEMS))

    totals: Counter[str] = Counter()
    for report in reports.values():
        totals.update(report["stats"])
    ops = Counter(e.op for e in entries)
    print(
        f"\n{PROCESSES} processes, {ITEMS} items, {AGENTS} agents: {routed:.1f} s routing "
        f"(with process start-up), {len(entries)} journal entries {dict(ops)}; "
        f"{totals['reserve calls']} reserve calls, {lost} refused as held by another agent, "
        f"{joined} offered by two processes to the same agent, "
        f"{totals['no room']} refused for capacity, {totals['deferred']} deferrals; "
        f"{dict(totals)}"
    )
