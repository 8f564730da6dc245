"""The capacity ledger conformance kit: one contract, run on every ledger.

Subclass :class:`LedgerContract` in a test module, name the subclass
``Test...`` so pytest collects it, and supply :meth:`~LedgerContract.make_ledger`;
every ``test_*`` method then checks one clause of the
:class:`~omnicontext.routing.CapacityLedger` contract against your ledger.
omnicontext runs the same class on :class:`~omnicontext.routing.MemoryLedger`
and :class:`~omnicontext.routing.SQLiteLedger`.

.. code-block:: python

    from omnicontext.testing import LedgerContract

    class TestRedisLedger(LedgerContract):
        def make_ledger(self):
            return RedisLedger(url, namespace=self.unique_name())

        def make_second_handle(self, ledger):  # optional: another client, same data
            return RedisLedger(url, namespace=ledger.namespace)

The kit needs nothing but the standard library (hypothesis runs the
random-sequence check when it is installed). Tests skip themselves with
:class:`unittest.SkipTest` when an optional hook is not provided, which pytest
and unittest both honour. Ledgers with a ``close()`` method are closed after
each test.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import unittest
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

import attrs

from omnicontext.errors import InvalidInput, NotFound
from omnicontext.routing.capacity import CapacityProfile, ChannelCapacity, Holding
from omnicontext.routing.ledger import CapacityLedger, Refused

__all__ = ["LedgerContract"]

E = TypeVar("E", bound=BaseException)
R = TypeVar("R")

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
"""The kit's clock starts here; every test passes explicit times."""

RACERS = 16
"""How many threads race in the concurrency checks."""


def _at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


@contextlib.contextmanager
def _raises(kind: type[E]) -> Iterator[list[E]]:
    caught: list[E] = []
    try:
        yield caught
    except kind as exc:
        caught.append(exc)
    else:
        raise AssertionError(f"expected {kind.__name__} to be raised")


def _profile(**channels: ChannelCapacity) -> CapacityProfile:
    return CapacityProfile(channels=channels)


PHONE = ChannelCapacity(units=1, limit=1, exclusive=True, wrap_up=timedelta(seconds=60))
CHAT = ChannelCapacity(units="1/3", limit=3)
EMAIL = ChannelCapacity(units="1/10", limit=10)


def _items(result: Any) -> list[str]:
    return [h.item_id for h in result]


def _close(ledger: object) -> None:
    close = getattr(ledger, "close", None)
    if callable(close):
        with contextlib.suppress(Exception):
            close()


def _race(work: Callable[[int], R]) -> list[R]:
    """Run ``work(0..RACERS-1)`` in threads released together; their results."""
    barrier = threading.Barrier(RACERS)
    results: list[R] = []
    errors: list[BaseException] = []

    def run(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            results.append(work(n))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(n,)) for n in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [], errors
    assert len(results) == RACERS
    return results


class LedgerContract:
    """The capacity ledger contract as test methods. Subclass it and implement
    :meth:`make_ledger`; override :meth:`make_second_handle` if the ledger can
    be opened twice on the same data (a file, a server)."""

    # -- hooks for ledger authors ----------------------------------------------------

    def make_ledger(self) -> CapacityLedger:
        """Return a new, empty ledger.

        Called before each test, and again for every example of the
        random-sequence check, so keep it cheap. Ledgers must be safe to use
        from several threads at once (the kit races threads against them).
        """
        raise NotImplementedError("subclasses of LedgerContract implement make_ledger()")

    def make_second_handle(self, ledger: CapacityLedger) -> CapacityLedger | None:
        """A second, independent handle on ``ledger``'s data (another
        connection, another client), or ``None`` if there is no such thing.
        Enables the checks that handles see each other's holdings and that
        handles racing each other keep the rules."""
        return None

    # -- plumbing --------------------------------------------------------------------

    def setup_method(self, method: Callable[..., Any] | None = None) -> None:
        """Create the ledger for one test (pytest calls this)."""
        self._tmp_dirs: list[Path] = []
        self._extra_ledgers: list[CapacityLedger] = []
        self.ledger = self.make_ledger()

    def teardown_method(self, method: Callable[..., Any] | None = None) -> None:
        """Close every ledger and remove temporary folders (pytest calls this)."""
        for extra in self._extra_ledgers:
            _close(extra)
        _close(self.ledger)
        for path in self._tmp_dirs:
            shutil.rmtree(path, ignore_errors=True)

    # unittest spelling, so a subclass that also derives from TestCase works.
    def setUp(self) -> None:
        """Same as :meth:`setup_method`."""
        self.setup_method()

    def tearDown(self) -> None:
        """Same as :meth:`teardown_method`."""
        self.teardown_method()

    def tmp_dir(self) -> Path:
        """A fresh temporary folder, removed after the test."""
        path = Path(tempfile.mkdtemp(prefix="omnicontext-ledger-contract-"))
        self._tmp_dirs.append(path)
        return path

    def unique_name(self) -> str:
        """A name no other test uses (a key prefix, a schema, a database name)."""
        return f"ledger_{uuid.uuid4().hex}"

    def _second(self) -> CapacityLedger:
        other = self.make_second_handle(self.ledger)
        if other is None:
            raise unittest.SkipTest("ledger has no second handle (make_second_handle is None)")
        self._extra_ledgers.append(other)
        return other

    def _fill(self, agent: str, channel: str, n: int, profile: CapacityProfile) -> None:
        for i in range(n):
            got = self.ledger.reserve(agent, f"{agent}-{channel}-{i}", channel, profile, now=T0)
            assert isinstance(got, Holding), f"reservation {i + 1} of {n} refused: {got}"

    # == reserve ======================================================================

    def test_ledger_satisfies_the_protocol(self) -> None:
        assert isinstance(self.ledger, CapacityLedger)

    def test_reserve_returns_the_holding_with_the_profiles_units(self) -> None:
        profile = _profile(chat=CHAT, phone=PHONE)
        got = self.ledger.reserve("ag_1", "it_1", "chat", profile, now=T0)
        assert got == Holding(
            item_id="it_1", agent_id="ag_1", channel="chat", units=Fraction(1, 3)
        )
        call = self.ledger.reserve("ag_2", "it_2", "phone", profile, now=T0)
        assert isinstance(call, Holding)
        assert (call.units, call.exclusive, call.until) == (Fraction(1), True, None)
        assert self.ledger.holder("it_1") == "ag_1"
        assert self.ledger.holdings("ag_1", now=T0) == (got,)

    def test_a_full_agent_is_refused_with_the_profiles_reason(self) -> None:
        profile = _profile(chat=ChannelCapacity(units="1/3"))  # no limit: capacity decides
        self._fill("ag_1", "chat", 3, profile)
        got = self.ledger.reserve("ag_1", "it_4", "chat", profile, now=T0)
        assert isinstance(got, Refused)
        assert got.holder is None
        expected = profile.refusal(self.ledger.holdings("ag_1", now=T0), "chat", now=T0)
        assert got.reason == expected
        assert "capacity" in got.reason
        assert self.ledger.holder("it_4") is None
        assert len(self.ledger.holdings("ag_1", now=T0)) == 3
        # Another agent is not affected.
        assert isinstance(self.ledger.reserve("ag_2", "it_4", "chat", profile, now=T0), Holding)

    def test_the_channel_limit_refuses_before_capacity_runs_out(self) -> None:
        profile = _profile(email=ChannelCapacity(units="1/10", limit=2), chat=CHAT)
        self._fill("ag_1", "email", 2, profile)
        got = self.ledger.reserve("ag_1", "it_3", "email", profile, now=T0)
        assert isinstance(got, Refused)
        assert "limit" in got.reason
        assert got.holder is None
        # Capacity is left for another channel.
        assert isinstance(self.ledger.reserve("ag_1", "it_3", "chat", profile, now=T0), Holding)

    def test_a_channel_missing_from_the_profile_is_refused(self) -> None:
        got = self.ledger.reserve("ag_1", "it_1", "fax", _profile(chat=CHAT), now=T0)
        assert isinstance(got, Refused)
        assert "fax" in got.reason
        assert self.ledger.holdings("ag_1", now=T0) == ()

    def test_live_exclusive_work_blocks_everything_else(self) -> None:
        profile = _profile(phone=PHONE, chat=CHAT, email=EMAIL)
        assert isinstance(self.ledger.reserve("ag_1", "call", "phone", profile, now=T0), Holding)
        for n, channel in enumerate(("phone", "chat", "email")):
            got = self.ledger.reserve("ag_1", f"it_{n}", channel, profile, now=_at(3600))
            assert isinstance(got, Refused), channel
            assert "call" in got.reason
        assert _items(self.ledger.holdings("ag_1", now=_at(3600))) == ["call"]

    def test_exclusive_work_needs_an_agent_holding_nothing(self) -> None:
        profile = _profile(phone=PHONE, email=EMAIL)
        self._fill("ag_1", "email", 1, profile)
        got = self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        assert isinstance(got, Refused)
        assert got.holder is None
        assert self.ledger.holder("call") is None

    def test_wrap_up_blocks_until_it_lapses_then_frees_the_agent(self) -> None:
        profile = _profile(phone=PHONE, chat=CHAT)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        self.ledger.finish("call", until=_at(60))
        during = self.ledger.reserve("ag_1", "chat_1", "chat", profile, now=_at(59))
        assert isinstance(during, Refused)
        assert "wrap-up" in during.reason
        assert _items(self.ledger.holdings("ag_1", now=_at(59))) == ["call"]
        # At ``until`` exactly the wrap-up is over.
        assert self.ledger.holdings("ag_1", now=_at(60)) == ()
        after = self.ledger.reserve("ag_1", "chat_1", "chat", profile, now=_at(60))
        assert isinstance(after, Holding)
        assert _items(self.ledger.holdings("ag_1", now=_at(60))) == ["chat_1"]

    def test_an_item_held_by_another_agent_is_refused_with_its_holder(self) -> None:
        profile = _profile(chat=CHAT)
        self.ledger.reserve("ag_1", "it_1", "chat", profile, now=T0)
        got = self.ledger.reserve("ag_2", "it_1", "chat", profile, now=T0)
        assert isinstance(got, Refused)
        assert got.holder == "ag_1"
        assert "ag_1" in got.reason
        assert self.ledger.holdings("ag_2", now=T0) == ()
        assert self.ledger.holder("it_1") == "ag_1"

    def test_an_item_in_wrap_up_is_held_until_it_lapses(self) -> None:
        profile = _profile(phone=PHONE)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        self.ledger.finish("call", until=_at(60))
        during = self.ledger.reserve("ag_2", "call", "phone", profile, now=_at(30))
        assert isinstance(during, Refused)
        assert during.holder == "ag_1"
        after = self.ledger.reserve("ag_2", "call", "phone", profile, now=_at(60))
        assert isinstance(after, Holding)
        assert after.agent_id == "ag_2"
        assert after.until is None
        assert self.ledger.holder("call") == "ag_2"
        assert self.ledger.holdings("ag_1", now=_at(60)) == ()

    def test_reserving_again_for_the_same_agent_is_idempotent(self) -> None:
        profile = _profile(chat=CHAT)
        self._fill("ag_1", "chat", 2, profile)
        first = self.ledger.reserve("ag_1", "it_1", "chat", profile, now=T0)
        assert isinstance(first, Holding)
        # The agent is now full, yet the item they hold comes back as it is.
        again = self.ledger.reserve("ag_1", "it_1", "chat", profile, now=_at(1))
        assert again == first
        assert len(self.ledger.holdings("ag_1", now=_at(1))) == 3
        full = self.ledger.reserve("ag_1", "it_2", "chat", profile, now=_at(1))
        assert isinstance(full, Refused)

    def test_reserving_again_during_wrap_up_returns_the_wrap_up(self) -> None:
        profile = _profile(phone=PHONE)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        done = self.ledger.finish("call", until=_at(60))
        again = self.ledger.reserve("ag_1", "call", "phone", profile, now=_at(10))
        assert again == done
        assert isinstance(again, Holding)
        assert again.until == _at(60)

    def test_a_refused_reservation_changes_nothing(self) -> None:
        profile = _profile(chat=CHAT, phone=PHONE)
        self._fill("ag_1", "chat", 1, profile)
        before = list(self.ledger.scan(now=T0))
        assert isinstance(self.ledger.reserve("ag_1", "call", "phone", profile, now=T0), Refused)
        assert isinstance(
            self.ledger.reserve("ag_2", "ag_1-chat-0", "chat", profile, now=T0), Refused
        )
        assert list(self.ledger.scan(now=T0)) == before
        assert self.ledger.holder("call") is None

    def test_units_are_copied_when_the_capacity_is_reserved(self) -> None:
        thirds = _profile(chat=ChannelCapacity(units="1/3"))
        halves = _profile(chat=ChannelCapacity(units="1/2"))
        self.ledger.reserve("ag_1", "it_1", "chat", thirds, now=T0)
        # Counting the held chat at 1/3 (not 1/2), one half still fits.
        got = self.ledger.reserve("ag_1", "it_2", "chat", halves, now=T0)
        assert isinstance(got, Holding)
        assert [h.units for h in self.ledger.holdings("ag_1", now=T0)] == [
            Fraction(1, 3),
            Fraction(1, 2),
        ]
        assert isinstance(self.ledger.reserve("ag_1", "it_3", "chat", thirds, now=T0), Refused)

    # == exact arithmetic =============================================================

    def test_ten_tenths_fill_an_agent_exactly_and_an_eleventh_is_refused(self) -> None:
        profile = _profile(email=ChannelCapacity(units=0.1))  # no limit: capacity decides
        self._fill("ag_1", "email", 10, profile)
        held = self.ledger.holdings("ag_1", now=T0)
        assert [h.units for h in held] == [Fraction(1, 10)] * 10
        assert all(type(h.units) is Fraction for h in held)
        assert sum((h.units for h in held), Fraction(0)) == 1
        assert profile.load(held, now=T0) == 1
        got = self.ledger.reserve("ag_1", "it_11", "email", profile, now=T0)
        assert isinstance(got, Refused)
        assert "capacity" in got.reason

    def test_thirds_and_a_larger_capacity_add_up_exactly(self) -> None:
        profile = CapacityProfile(
            channels={"chat": ChannelCapacity(units="1/3"), "email": ChannelCapacity("1/6")},
            capacity="5/3",
        )
        self._fill("ag_1", "chat", 4, profile)  # 4/3
        self._fill("ag_1", "email", 2, profile)  # + 2/6 = 5/3 exactly
        held = self.ledger.holdings("ag_1", now=T0)
        assert sum((h.units for h in held), Fraction(0)) == Fraction(5, 3)
        assert isinstance(
            self.ledger.reserve("ag_1", "one_more", "email", profile, now=T0), Refused
        )

    # == release ======================================================================

    def test_release_frees_the_capacity_and_returns_what_it_dropped(self) -> None:
        profile = _profile(phone=PHONE, chat=CHAT)
        call = self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        assert isinstance(self.ledger.reserve("ag_1", "chat", "chat", profile, now=T0), Refused)
        assert self.ledger.release("call") == call
        assert self.ledger.holder("call") is None
        assert self.ledger.holdings("ag_1", now=T0) == ()
        assert isinstance(self.ledger.reserve("ag_1", "chat", "chat", profile, now=T0), Holding)

    def test_releasing_an_item_nobody_holds_returns_none(self) -> None:
        assert self.ledger.release("nobody_has_it") is None
        self.ledger.reserve("ag_1", "it_1", "chat", _profile(chat=CHAT), now=T0)
        assert self.ledger.release("it_1") is not None
        assert self.ledger.release("it_1") is None

    def test_a_released_item_can_go_to_another_agent(self) -> None:
        profile = _profile(chat=CHAT)
        self.ledger.reserve("ag_1", "it_1", "chat", profile, now=T0)
        self.ledger.release("it_1")
        got = self.ledger.reserve("ag_2", "it_1", "chat", profile, now=T0)
        assert isinstance(got, Holding)
        assert self.ledger.holder("it_1") == "ag_2"

    # == finish =======================================================================

    def test_finish_keeps_the_capacity_until_the_wrap_up_ends(self) -> None:
        profile = _profile(email=ChannelCapacity(units="1/10"))
        self._fill("ag_1", "email", 10, profile)
        done = self.ledger.finish("ag_1-email-0", until=_at(10))
        assert done.until == _at(10)
        assert (done.agent_id, done.channel, done.units) == ("ag_1", "email", Fraction(1, 10))
        assert self.ledger.holder("ag_1-email-0") == "ag_1"
        early = self.ledger.reserve("ag_1", "it_11", "email", profile, now=_at(9))
        assert isinstance(early, Refused)
        assert len(self.ledger.holdings("ag_1", now=_at(9))) == 10
        assert len(self.ledger.holdings("ag_1", now=_at(10))) == 9
        late = self.ledger.reserve("ag_1", "it_11", "email", profile, now=_at(10))
        assert isinstance(late, Holding)

    def test_finish_with_an_end_already_past_frees_at_once(self) -> None:
        profile = _profile(phone=PHONE, chat=CHAT)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        self.ledger.finish("call", until=T0)
        assert self.ledger.holdings("ag_1", now=T0) == ()
        assert isinstance(self.ledger.reserve("ag_1", "chat", "chat", profile, now=T0), Holding)

    def test_finish_again_moves_the_end_of_the_wrap_up(self) -> None:
        profile = _profile(phone=PHONE)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        self.ledger.finish("call", until=_at(60))
        again = self.ledger.finish("call", until=_at(120))
        assert again.until == _at(120)
        assert _items(self.ledger.holdings("ag_1", now=_at(90))) == ["call"]

    def test_finish_of_an_item_nobody_holds_raises_not_found(self) -> None:
        with _raises(NotFound) as caught:
            self.ledger.finish("nobody_has_it", until=_at(60))
        assert caught[0].id == "nobody_has_it"
        self.ledger.reserve("ag_1", "it_1", "chat", _profile(chat=CHAT), now=T0)
        self.ledger.release("it_1")
        with _raises(NotFound):
            self.ledger.finish("it_1", until=_at(60))
        assert self.ledger.holder("it_1") is None

    def test_finish_accepts_any_time_zone_and_compares_instants(self) -> None:
        profile = _profile(phone=PHONE, chat=CHAT)
        self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        tokyo = timezone(timedelta(hours=9))
        done = self.ledger.finish("call", until=_at(60).astimezone(tokyo))
        assert done.until == _at(60)
        new_york = timezone(timedelta(hours=-5))
        early = self.ledger.reserve("ag_1", "c", "chat", profile, now=_at(59).astimezone(new_york))
        assert isinstance(early, Refused)
        late = self.ledger.reserve("ag_1", "c", "chat", profile, now=_at(60).astimezone(new_york))
        assert isinstance(late, Holding)

    # == reading ======================================================================

    def test_holdings_are_oldest_first_and_exclude_lapsed_wrap_ups(self) -> None:
        profile = _profile(chat=ChannelCapacity(units="1/5"))
        for n, item in enumerate(("c", "a", "d", "b")):
            self.ledger.reserve("ag_1", item, "chat", profile, now=_at(n))
        self.ledger.finish("a", until=_at(30))
        assert _items(self.ledger.holdings("ag_1", now=_at(29))) == ["c", "a", "d", "b"]
        assert _items(self.ledger.holdings("ag_1", now=_at(30))) == ["c", "d", "b"]
        assert self.ledger.holdings("ag_nobody", now=T0) == ()

    def test_scan_lists_live_holdings_by_agent_then_age(self) -> None:
        profile = _profile(chat=ChannelCapacity(units="1/5"))
        for agent, item in (
            ("ag_2", "x"),
            ("ag_1", "y"),
            ("ag_3", "z"),
            ("ag_2", "a"),
            ("ag_1", "b"),
        ):
            assert isinstance(self.ledger.reserve(agent, item, "chat", profile, now=T0), Holding)
        self.ledger.finish("z", until=_at(5))
        scanned = [(h.agent_id, h.item_id) for h in self.ledger.scan(now=_at(4))]
        assert scanned == [
            ("ag_1", "y"),
            ("ag_1", "b"),
            ("ag_2", "x"),
            ("ag_2", "a"),
            ("ag_3", "z"),
        ]
        assert [h.item_id for h in self.ledger.scan(now=_at(5))] == ["y", "b", "x", "a"]

    def test_an_empty_ledger_scans_empty(self) -> None:
        assert list(self.ledger.scan(now=T0)) == []
        assert self.ledger.holder("it_1") is None

    def test_naive_times_are_refused(self) -> None:
        profile = _profile(chat=CHAT)
        naive = T0.replace(tzinfo=None)
        with _raises(InvalidInput) as caught:
            self.ledger.reserve("ag_1", "it_1", "chat", profile, now=naive)
        assert (caught[0].field, caught[0].value) == ("now", naive)
        assert self.ledger.holder("it_1") is None
        self.ledger.reserve("ag_1", "it_1", "chat", profile, now=T0)
        with _raises(InvalidInput) as caught:
            self.ledger.finish("it_1", until=naive)
        assert (caught[0].field, caught[0].value) == ("until", naive)
        assert self.ledger.holdings("ag_1", now=T0)[0].until is None
        with _raises(InvalidInput):
            self.ledger.holdings("ag_1", now=naive)
        with _raises(InvalidInput):
            list(self.ledger.scan(now=naive))

    # == concurrency ==================================================================

    def test_threads_racing_for_an_agents_last_slot_leave_one_winner(self) -> None:
        profile = _profile(chat=ChannelCapacity(units="1/3"))
        self._fill("ag_1", "chat", 2, profile)
        results = _race(
            lambda n: self.ledger.reserve("ag_1", f"race_{n}", "chat", profile, now=T0)
        )
        winners = [r for r in results if isinstance(r, Holding)]
        assert len(winners) == 1
        assert all(r.holder is None for r in results if isinstance(r, Refused))
        assert len(self.ledger.holdings("ag_1", now=T0)) == 3

    def test_threads_racing_for_one_item_give_it_to_one_agent(self) -> None:
        profile = _profile(chat=CHAT)
        results = _race(lambda n: self.ledger.reserve(f"ag_{n}", "it_1", "chat", profile, now=T0))
        winners = [r for r in results if isinstance(r, Holding)]
        assert len(winners) == 1
        winner = winners[0].agent_id
        assert self.ledger.holder("it_1") == winner
        assert {r.holder for r in results if isinstance(r, Refused)} == {winner}
        assert [h.item_id for h in self.ledger.scan(now=T0)] == ["it_1"]

    def test_threads_reserving_and_releasing_keep_the_books_straight(self) -> None:
        profile = _profile(email=ChannelCapacity(units="1/10"))

        def churn(n: int) -> list[str]:
            kept: list[str] = []
            for round_ in range(20):
                item = f"it_{n}_{round_}"
                got = self.ledger.reserve(f"ag_{n % 2}", item, "email", profile, now=T0)
                if isinstance(got, Holding) and round_ % 2 == 0:
                    assert self.ledger.release(item) == got
                elif isinstance(got, Holding):
                    kept.append(item)
            return kept

        kept = [item for items in _race(churn) for item in items]
        for agent in ("ag_0", "ag_1"):
            held = self.ledger.holdings(agent, now=T0)
            assert sum((h.units for h in held), Fraction(0)) <= 1
            assert len(held) <= 10
        assert sorted(h.item_id for h in self.ledger.scan(now=T0)) == sorted(kept)

    # == second handles ===============================================================

    def test_a_second_handle_sees_holdings_and_refuses_held_items(self) -> None:
        other = self._second()
        profile = _profile(phone=PHONE, chat=CHAT)
        call = self.ledger.reserve("ag_1", "call", "phone", profile, now=T0)
        assert other.holder("call") == "ag_1"
        assert other.holdings("ag_1", now=T0) == (call,)
        got = other.reserve("ag_2", "call", "phone", profile, now=T0)
        assert isinstance(got, Refused)
        assert got.holder == "ag_1"
        assert isinstance(other.reserve("ag_1", "chat", "chat", profile, now=T0), Refused)
        other.finish("call", until=_at(60))
        assert self.ledger.holdings("ag_1", now=_at(30))[0].until == _at(60)
        assert other.release("call") is not None
        assert self.ledger.holder("call") is None

    def test_handles_racing_for_an_agents_last_slot_leave_one_winner(self) -> None:
        profile = _profile(chat=ChannelCapacity(units="1/3"))
        self._fill("ag_1", "chat", 2, profile)
        handles = [self._second() for _ in range(RACERS)]
        results = _race(lambda n: handles[n].reserve("ag_1", f"race_{n}", "chat", profile, now=T0))
        assert len([r for r in results if isinstance(r, Holding)]) == 1
        assert len(self.ledger.holdings("ag_1", now=T0)) == 3

    def test_handles_racing_for_one_item_give_it_to_one_agent(self) -> None:
        profile = _profile(chat=CHAT)
        handles = [self._second() for _ in range(RACERS)]
        results = _race(lambda n: handles[n].reserve(f"ag_{n}", "it_1", "chat", profile, now=T0))
        winners = [r for r in results if isinstance(r, Holding)]
        assert len(winners) == 1
        assert self.ledger.holder("it_1") == winners[0].agent_id

    # == random sequences (hypothesis, when installed) ==============================

    def test_random_operations_match_a_simple_model(self) -> None:
        try:
            from hypothesis import HealthCheck, settings
            from hypothesis.stateful import run_state_machine_as_test
        except ImportError:  # pragma: no cover - hypothesis is optional
            raise unittest.SkipTest("hypothesis is not installed") from None

        machine = _machine(self._fresh_ledger)
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=60,
                stateful_step_count=40,
                deadline=None,
                report_multiple_bugs=False,
                suppress_health_check=[HealthCheck.too_slow],
            ),
        )

    def _fresh_ledger(self) -> CapacityLedger:
        ledger = self.make_ledger()
        self._extra_ledgers.append(ledger)
        return ledger


# -- the model the random sequences are checked against ------------------------------


@attrs.frozen
class _Held:
    agent_id: str
    channel: str
    units: Fraction
    exclusive: bool
    until: datetime | None
    age: int

    def live(self, now: datetime) -> bool:
        return self.until is None or self.until > now


_AGENTS = ("ag_1", "ag_2", "ag_3")
_ITEM_IDS = tuple(f"it_{n}" for n in range(7))
_CHANNELS = ("phone", "chat", "email", "sms", "fax")
_PROFILES = {
    "ag_1": CapacityProfile(
        channels={
            "phone": ChannelCapacity(units=1, limit=1, exclusive=True),
            "chat": ChannelCapacity(units="1/3", limit=3),
            "email": ChannelCapacity(units="1/10"),
            "sms": ChannelCapacity(units="1/10", limit=2),
        }
    ),
    "ag_2": CapacityProfile(
        channels={
            "chat": ChannelCapacity(units="1/3", limit=2),
            "email": ChannelCapacity(units="1/4"),
            "sms": ChannelCapacity(units="3/4"),
        },
        capacity="3/2",
    ),
    "ag_3": CapacityProfile(
        channels={
            "phone": ChannelCapacity(units="1/2", exclusive=True),
            "email": ChannelCapacity(units="1/7", limit=5),
        }
    ),
}
_ZONES = (UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)))


def _fits(held: list[_Held], channel: str, profile: CapacityProfile) -> bool:
    """The capacity rules, written out again independently of the profile's code."""
    spec = profile.channels.get(channel)
    if spec is None:
        return False
    if any(h.exclusive for h in held):
        return False
    if spec.exclusive and held:
        return False
    if spec.limit is not None and sum(h.channel == channel for h in held) + 1 > spec.limit:
        return False
    return sum((h.units for h in held), Fraction(0)) + spec.units <= profile.capacity


def _within_rules(held: tuple[Holding, ...], profile: CapacityProfile) -> bool:
    if sum((h.units for h in held), Fraction(0)) > profile.capacity:
        return False
    if any(h.exclusive for h in held) and len(held) > 1:
        return False
    for name, spec in profile.channels.items():
        if spec.limit is not None and sum(h.channel == name for h in held) > spec.limit:
            return False
    return True


def _machine(fresh: Callable[[], CapacityLedger]) -> Any:
    """A hypothesis state machine driving a ledger from ``fresh()`` alongside a
    model, comparing every answer."""
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.ledger = fresh()
            self.now = T0
            self.model: dict[str, _Held] = {}
            self.age = 0

        def teardown(self) -> None:
            _close(self.ledger)

        def live_of(self, agent: str) -> list[_Held]:
            return sorted(
                (h for h in self.model.values() if h.agent_id == agent and h.live(self.now)),
                key=lambda h: h.age,
            )

        def expected(self, item: str) -> Holding:
            h = self.model[item]
            return Holding(
                item_id=item,
                agent_id=h.agent_id,
                channel=h.channel,
                units=h.units,
                exclusive=h.exclusive,
                until=h.until,
            )

        def live_items(self) -> list[str]:
            return sorted(i for i, h in self.model.items() if h.live(self.now))

        @rule(seconds=st.integers(0, 90))
        def advance(self, seconds: int) -> None:
            self.now += timedelta(seconds=seconds)

        @rule(
            agent=st.sampled_from(_AGENTS),
            item=st.sampled_from(_ITEM_IDS),
            channel=st.sampled_from(_CHANNELS),
            zone=st.sampled_from(_ZONES),
        )
        def reserve(self, agent: str, item: str, channel: str, zone: timezone) -> None:
            profile = _PROFILES[agent]
            got = self.ledger.reserve(agent, item, channel, profile, now=self.now.astimezone(zone))
            held = self.model.get(item)
            if held is not None and held.live(self.now):
                if held.agent_id == agent:
                    assert got == self.expected(item), (got, self.expected(item))
                else:
                    assert isinstance(got, Refused), got
                    assert got.holder == held.agent_id
                return
            if not _fits(self.live_of(agent), channel, profile):
                assert isinstance(got, Refused), got
                assert got.holder is None
                return
            spec = profile.spec(channel)
            self.age += 1
            self.model[item] = _Held(agent, channel, spec.units, spec.exclusive, None, self.age)
            assert got == self.expected(item), (got, self.expected(item))

        @rule(item=st.sampled_from(_ITEM_IDS))
        def release(self, item: str) -> None:
            held = self.model.pop(item, None)
            got = self.ledger.release(item)
            if held is None:
                assert got is None, got
            elif held.live(self.now):
                assert got is not None
                assert got.agent_id == held.agent_id
                assert got.until == held.until
            else:  # lapsed: dropped already or now, as the ledger purges lazily
                assert got is None or got.agent_id == held.agent_id

        @precondition(lambda self: bool(self.live_items()))
        @rule(data=st.data(), seconds=st.integers(-10, 120), zone=st.sampled_from(_ZONES))
        def finish(self, data: st.DataObject, seconds: int, zone: timezone) -> None:
            item = data.draw(st.sampled_from(self.live_items()))
            until = self.now + timedelta(seconds=seconds)
            got = self.ledger.finish(item, until=until.astimezone(zone))
            self.model[item] = attrs.evolve(self.model[item], until=until)
            assert got == self.expected(item), (got, self.expected(item))

        @rule(item=st.sampled_from(_ITEM_IDS))
        def finish_unheld(self, item: str) -> None:
            if item in self.model:
                return
            with _raises(NotFound):
                self.ledger.finish(item, until=self.now)

        @invariant()
        def agrees_with_the_model(self) -> None:
            for agent in _AGENTS:
                held = self.ledger.holdings(agent, now=self.now)
                assert _within_rules(held, _PROFILES[agent]), held
                want = tuple(self.expected(i) for i in self.live_items())
                want = tuple(
                    sorted(
                        (h for h in want if h.agent_id == agent),
                        key=lambda h: self.model[h.item_id].age,
                    )
                )
                assert held == want, (held, want)
            scanned = [(h.agent_id, h.item_id) for h in self.ledger.scan(now=self.now)]
            order = sorted(
                (self.model[i].agent_id, self.model[i].age, i) for i in self.live_items()
            )
            assert scanned == [(agent, item) for agent, _, item in order]
            for item in self.live_items():
                assert self.ledger.holder(item) == self.model[item].agent_id
            for item in _ITEM_IDS:
                if item not in self.model:
                    assert self.ledger.holder(item) is None

    return LedgerMachine
