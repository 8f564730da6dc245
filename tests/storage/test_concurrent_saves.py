"""Concurrent writers: optimistic concurrency across processes, appends across threads.

Two processes (``spawn``) load the same customer or case at version 1, meet at a
barrier, then both save a change: exactly one wins, the other gets
``ConflictError``, and the stored record holds the winner's change at version 2.
The race runs 20 times per record kind inside one pair of processes (starting
processes is the slow part). Whoever wins each round, the outcome is checked
exactly, so nothing here depends on timing.

Threads appending overlapping batches end with exactly the union stored, each
record once, and the ``AppendResult`` figures adding up.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import ConflictError
from omnicontext.model import Case, Customer, Identity, Interaction, parse_interaction
from omnicontext.storage import AppendResult, MemoryStore, SQLiteStore, Store

ROUNDS = 20
WORKERS = 2
TIMEOUT = 60.0


def _customer_id(r: int) -> str:
    return f"cus_{r}"


def _case_id(r: int) -> str:
    return f"case_{r}"


def _their_email(worker: int, r: int) -> Identity:
    return Identity(kind="email", value=f"worker{worker}-round{r}@example.com")


def _race_worker(path: str, worker: int, barrier: Any, results: Any) -> None:
    """In a spawned process: for each round, load both records, meet, save a change."""
    try:
        with SQLiteStore(path) as store:
            for r in range(ROUNDS):
                customer = store.customers.get(_customer_id(r))
                case = store.cases.get(_case_id(r))
                assert (customer.version, case.version) == (1, 1)
                changed_customer = customer.model_copy(
                    update={
                        "display_name": f"worker {worker} round {r}",
                        "identities": (*customer.identities, _their_email(worker, r)),
                    }
                )
                changed_case = case.model_copy(
                    update={"subject": f"worker {worker} round {r}", "tags": (f"w{worker}",)}
                )
                barrier.wait(timeout=TIMEOUT)
                try:
                    version = store.customers.save(changed_customer).version
                except ConflictError as exc:
                    results.put(("customer", r, worker, ("conflict", exc.kind, exc.id)))
                else:
                    results.put(("customer", r, worker, ("saved", version)))
                barrier.wait(timeout=TIMEOUT)
                try:
                    version = store.cases.save(changed_case).version
                except ConflictError as exc:
                    results.put(("case", r, worker, ("conflict", exc.kind, exc.id)))
                else:
                    results.put(("case", r, worker, ("saved", version)))
    except BaseException:
        results.put(("error", -1, worker, traceback.format_exc()))
        barrier.abort()


def test_two_processes_saving_one_version_exactly_one_wins(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    with SQLiteStore(path) as store:
        for r in range(ROUNDS):
            first = Identity(kind="phone", value=f"+4420794600{r:02d}")
            saved = store.customers.save(
                Customer(id=_customer_id(r), display_name="original", identities=(first,))
            )
            assert saved.version == 1
            case = store.cases.save(Case(id=_case_id(r), customer_id=_customer_id(r)))
            assert case.version == 1

    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(WORKERS)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_race_worker, args=(str(path), w, barrier, results), daemon=True)
        for w in range(WORKERS)
    ]
    outcomes: dict[tuple[str, int], dict[int, tuple[Any, ...]]] = {}
    try:
        for p in procs:
            p.start()
        for _ in range(2 * ROUNDS * WORKERS):
            try:
                kind, r, worker, outcome = results.get(timeout=TIMEOUT)
            except queue.Empty:
                pytest.fail(f"a race worker went quiet for {TIMEOUT} s")
            if kind == "error":
                pytest.fail(f"race worker {worker} failed:\n{outcome}")
            outcomes.setdefault((kind, r), {})[worker] = outcome
        for p in procs:
            p.join(timeout=TIMEOUT)
            assert p.exitcode == 0
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(timeout=TIMEOUT)
        results.close()
        results.join_thread()

    wins = dict.fromkeys(range(WORKERS), 0)
    with SQLiteStore(path) as store:
        for r in range(ROUNDS):
            for kind, record_id in (("customer", _customer_id(r)), ("case", _case_id(r))):
                got = outcomes[(kind, r)]
                assert sorted(got) == list(range(WORKERS))
                winners = [w for w, o in got.items() if o == ("saved", 2)]
                losers = [w for w, o in got.items() if o == ("conflict", kind, record_id)]
                assert len(winners) == 1, (kind, r, got)
                assert len(losers) == WORKERS - 1, (kind, r, got)
                winner, loser = winners[0], losers[0]
                wins[winner] += 1
                if kind == "customer":
                    stored_customer = store.customers.get(record_id)
                    assert stored_customer.version == 2
                    assert stored_customer.display_name == f"worker {winner} round {r}"
                    assert [i.key for i in stored_customer.identities] == [
                        f"phone:+4420794600{r:02d}",
                        _their_email(winner, r).key,
                    ]
                    # The loser's transaction left nothing behind, not even its identity.
                    assert store.customers.find_by_identity(_their_email(loser, r)) == []
                    assert store.customers.find_by_identity(_their_email(winner, r)) == [
                        stored_customer
                    ]
                else:
                    stored_case = store.cases.get(record_id)
                    assert stored_case.version == 2
                    assert stored_case.subject == f"worker {winner} round {r}"
                    assert stored_case.tags == (f"w{winner}",)
                    assert store.cases.for_customer(_customer_id(r)) == [stored_case]
        assert store.customers.count() == ROUNDS
    assert sum(wins.values()) == 2 * ROUNDS


# -- threads appending overlapping batches -----------------------------------------

THREADS = 4
BATCHES_PER_THREAD = 6
BATCH_SIZE = 150
UNIVERSE = 1_200


def _universe() -> list[Interaction]:
    rng = random.Random(11)
    t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
    items = []
    for i in range(UNIVERSE):
        items.append(
            parse_interaction(
                {
                    "id": f"m{i:05d}",
                    "type": "message",
                    # Few distinct instants, so ties on time are common.
                    "occurred_at": (t0 + timedelta(minutes=rng.randrange(300))).isoformat(),
                    "channel": rng.choice(("chat", "email", "sms")),
                    "customer_id": f"cus_{rng.randrange(20)}",
                    "case_id": f"case_{rng.randrange(60)}",
                    "actor": "customer",
                    "direction": "inbound",
                    "body": f"message {i} — café",
                }
            )
        )
    return items


def _plans(universe: list[Interaction]) -> list[list[list[Interaction]]]:
    """Per thread, its batches: random overlapping samples, some repeating an item."""
    rng = random.Random(12)
    plans = []
    for _ in range(THREADS):
        batches = []
        for b in range(BATCHES_PER_THREAD):
            batch = rng.sample(universe, BATCH_SIZE)
            if b % 3 == 0:
                batch.append(batch[0])  # a repeat inside one batch counts as a duplicate
            batches.append(batch)
        plans.append(batches)
    return plans


@pytest.mark.parametrize("kind", ["sqlite-shared", "sqlite-connection-per-thread", "memory"])
def test_threads_appending_overlapping_batches_store_the_union_once(
    kind: str, tmp_path: Path
) -> None:
    universe = _universe()
    by_id = {i.id: i for i in universe}
    plans = _plans(universe)
    submitted = sum(len(batch) for plan in plans for batch in plan)
    distinct = {item.id for plan in plans for batch in plan for item in batch}
    assert BATCH_SIZE < len(distinct) < submitted  # the batches do overlap

    path = tmp_path / "store.db"
    store: Store = MemoryStore() if kind == "memory" else SQLiteStore(path)
    barrier = threading.Barrier(THREADS)

    def work(plan: list[list[Interaction]]) -> list[AppendResult]:
        own = SQLiteStore(path) if kind == "sqlite-connection-per-thread" else None
        target = own or store
        try:
            barrier.wait(timeout=TIMEOUT)
            return [target.interactions.append_many(batch) for batch in plan]
        finally:
            if own is not None:
                own.close()

    try:
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            futures = [pool.submit(work, plan) for plan in plans]
            results = [r for f in futures for r in f.result(timeout=TIMEOUT)]

        assert sum(r.added for r in results) == len(distinct)
        assert sum(r.added + r.duplicates for r in results) == submitted
        assert store.interactions.count() == len(distinct)
        scanned = [item for chunk in store.interactions.scan(chunk_size=97) for item in chunk]
        assert len(scanned) == len(distinct)
        assert {item.id for item in scanned} == distinct
        assert all(item == by_id[item.id] for item in scanned)
        keys = [(item.occurred_at, item.id) for item in scanned]
        assert keys == sorted(keys)
    finally:
        store.close()
