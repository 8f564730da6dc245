"""Our own ledgers pass the same conformance kit ledger authors run, and the kit
fails ledgers that break the contract."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from omnicontext.routing import CapacityLedger, CapacityProfile, Holding, MemoryLedger, Refused
from omnicontext.routing.sqlite_ledger import SQLiteLedger
from omnicontext.testing.ledger_contract import LedgerContract


class TestMemoryLedger(LedgerContract):
    def make_ledger(self) -> CapacityLedger:
        return MemoryLedger()


class TestSQLiteFileLedger(LedgerContract):
    def make_ledger(self) -> CapacityLedger:
        return SQLiteLedger(self.tmp_dir() / "ledger.db")

    def make_second_handle(self, ledger: CapacityLedger) -> CapacityLedger:
        assert isinstance(ledger, SQLiteLedger)
        return SQLiteLedger(ledger.path)


class TestSQLiteInMemoryLedger(LedgerContract):
    def make_ledger(self) -> CapacityLedger:
        return SQLiteLedger(":memory:")


# -- ledgers that break one clause each ------------------------------------------------


class IgnoresOtherHolders(MemoryLedger):
    """Gives an item to whoever asks, even while another agent holds it."""

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        held = self._by_item.get(item_id)
        if held is not None and held.agent_id != agent_id:
            self.release(item_id)
        return super().reserve(agent_id, item_id, channel, profile, now=now)


class FinishReleases(MemoryLedger):
    """Drops the holding when the work ends, forgetting the wrap-up."""

    def finish(self, item_id: str, *, until: datetime) -> Holding:
        done = super().finish(item_id, until=until)
        self.release(item_id)
        return done


class CountsLapsedWrapUps(MemoryLedger):
    """Lists holdings whose wrap-up is over as if they were still live."""

    def holdings(self, agent_id: str, *, now: datetime) -> tuple[Holding, ...]:
        with self._lock:
            return tuple(self._by_agent.get(agent_id, {}).values())


class ScansInItemOrder(MemoryLedger):
    """Scans sorted by item id instead of by agent then age."""

    def scan(self, *, now: datetime) -> Iterator[Holding]:
        return iter(sorted(super().scan(now=now), key=lambda h: h.item_id))


class NotIdempotent(MemoryLedger):
    """Refuses an agent the item they already hold."""

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        held = self._by_item.get(item_id)
        if held is not None and held.agent_id == agent_id and held.active(now):
            return Refused("already held")
        return super().reserve(agent_id, item_id, channel, profile, now=now)


class UnlockedCheckThenWrite(MemoryLedger):
    """Checks capacity and records the holding in two steps, with a gap between
    them in which every racing thread checks too (a barrier holds the racers
    there, so the race is certain, not likely)."""

    def __init__(self) -> None:
        super().__init__()
        self.gap = threading.Barrier(16, timeout=10)

    def reserve(
        self,
        agent_id: str,
        item_id: str,
        channel: str,
        profile: CapacityProfile,
        *,
        now: datetime,
    ) -> Holding | Refused:
        with self._lock:
            held = self._by_item.get(item_id)
            mine = self._live(agent_id, now)
            reason = profile.refusal(mine, channel, now=now)
        if held is not None and held.agent_id != agent_id:
            return Refused("held", held.agent_id)
        if reason is not None:
            return Refused(reason)
        if threading.current_thread() is not threading.main_thread():
            self.gap.wait()
        with self._lock:
            holding = profile.holding(agent_id=agent_id, item_id=item_id, channel=channel)
            self._by_item[item_id] = holding
            self._by_agent.setdefault(agent_id, {})[item_id] = holding
            return holding


BROKEN: list[tuple[type[MemoryLedger], list[str]]] = [
    (
        IgnoresOtherHolders,
        [
            "test_an_item_held_by_another_agent_is_refused_with_its_holder",
            "test_an_item_in_wrap_up_is_held_until_it_lapses",
            "test_a_refused_reservation_changes_nothing",
        ],
    ),
    (
        FinishReleases,
        [
            "test_wrap_up_blocks_until_it_lapses_then_frees_the_agent",
            "test_finish_keeps_the_capacity_until_the_wrap_up_ends",
            "test_reserving_again_during_wrap_up_returns_the_wrap_up",
        ],
    ),
    (
        CountsLapsedWrapUps,
        [
            "test_holdings_are_oldest_first_and_exclude_lapsed_wrap_ups",
            "test_wrap_up_blocks_until_it_lapses_then_frees_the_agent",
        ],
    ),
    (ScansInItemOrder, ["test_scan_lists_live_holdings_by_agent_then_age"]),
    (NotIdempotent, ["test_reserving_again_for_the_same_agent_is_idempotent"]),
    (
        UnlockedCheckThenWrite,
        [
            "test_threads_racing_for_an_agents_last_slot_leave_one_winner",
            "test_threads_racing_for_one_item_give_it_to_one_agent",
        ],
    ),
    (IgnoresOtherHolders, ["test_random_operations_match_a_simple_model"]),
    (FinishReleases, ["test_random_operations_match_a_simple_model"]),
    (CountsLapsedWrapUps, ["test_random_operations_match_a_simple_model"]),
    (ScansInItemOrder, ["test_random_operations_match_a_simple_model"]),
]

CASES = [(ledger, name) for ledger, names in BROKEN for name in names]


def run_kit_test(make: Callable[[], CapacityLedger], name: str) -> None:
    """Run one ``LedgerContract`` test on ledgers from ``make``, as pytest would."""

    class Kit(LedgerContract):
        def make_ledger(self) -> CapacityLedger:
            return make()

    kit = Kit()
    method = getattr(kit, name)
    kit.setup_method(method)
    try:
        method()
    finally:
        kit.teardown_method(method)


@pytest.mark.parametrize(
    ("broken", "name"), CASES, ids=[f"{b.__name__}-{n[5:]}" for b, n in CASES]
)
def test_the_kit_fails_a_ledger_that_breaks_the_clause(
    broken: type[MemoryLedger], name: str
) -> None:
    with pytest.raises(AssertionError):
        run_kit_test(broken, name)


@pytest.mark.parametrize("name", sorted({n for _, n in CASES}))
def test_the_same_kit_tests_pass_on_the_memory_ledger(name: str) -> None:
    run_kit_test(MemoryLedger, name)


def test_every_named_kit_test_exists() -> None:
    kit_tests = {n for n in dir(LedgerContract) if n.startswith("test_")}
    assert {n for _, n in CASES} <= kit_tests
