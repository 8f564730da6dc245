"""What is particular to ``MemoryLedger``. The shared contract is in
``test_ledger_contract.py``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.routing import CapacityProfile, Holding, MemoryLedger

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAIVE = T0.replace(tzinfo=None)
PROFILE = CapacityProfile.default()


def test_lapsed_wrap_ups_are_dropped_as_they_are_met() -> None:
    ledger = MemoryLedger()
    for n in range(100):
        ledger.reserve(f"ag_{n % 10}", f"it_{n}", "email", PROFILE, now=T0)
        ledger.finish(f"it_{n}", until=T0 + timedelta(seconds=2 * (n % 2)))
    later = T0 + timedelta(seconds=1)
    assert len(list(ledger.scan(now=later))) == 50
    # Memory stays proportional to the work still held.
    assert len(ledger._by_item) == 50
    assert sum(len(mine) for mine in ledger._by_agent.values()) == 50


def test_the_same_agent_reserving_a_lapsed_item_gets_a_fresh_holding() -> None:
    ledger = MemoryLedger()
    ledger.reserve("ag_1", "call", "phone", PROFILE, now=T0)
    ledger.finish("call", until=T0 + timedelta(seconds=60))
    again = ledger.reserve("ag_1", "call", "phone", PROFILE, now=T0 + timedelta(seconds=60))
    assert isinstance(again, Holding)
    assert again.until is None


def test_a_naive_until_is_refused_and_the_agent_stays_usable() -> None:
    ledger = MemoryLedger()
    ledger.reserve("ag_1", "it_1", "chat", PROFILE, now=T0)
    with pytest.raises(InvalidInput) as caught:
        ledger.finish("it_1", until=NAIVE)
    assert caught.value.field == "until"
    assert isinstance(ledger.reserve("ag_1", "it_2", "chat", PROFILE, now=T0), Holding)


def test_a_naive_now_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        MemoryLedger().reserve("ag_1", "it_1", "chat", PROFILE, now=NAIVE)
    assert caught.value.field == "now"
