"""The store conformance kit: one contract, run on every adapter.

Subclass :class:`StoreContract` in a test module, name the subclass
``Test...`` so pytest collects it, and supply :meth:`~StoreContract.make_store`;
every ``test_*`` method then checks one clause of the storage contract against
your adapter. omnicontext runs the same class on its own stores.

.. code-block:: python

    from omnicontext.testing import StoreContract

    class TestMyStore(StoreContract):
        def make_store(self):
            return MyStore(self.tmp_dir() / "data")

        def reopen_store(self, store):  # optional: a second handle on the same data
            return MyStore(store.path)

The kit needs nothing but the standard library (hypothesis is used when it
is installed). Tests skip themselves with :class:`unittest.SkipTest` when an
optional hook is not provided, which pytest and unittest both honour.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import threading
import unittest
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TypeVar

from omnicontext.errors import ConflictError, InvalidInput, NotFound, StoreError
from omnicontext.model import (
    AccessRecord,
    AttemptOutcome,
    Customer,
    DeliveryAttempt,
    Interaction,
    OutboxEntry,
    OutboxStatus,
    SuggestionStatus,
)
from omnicontext.storage import AppendResult, Page, Store
from omnicontext.testing import factories as f

__all__ = ["StoreContract"]

E = TypeVar("E", bound=BaseException)


@contextlib.contextmanager
def _raises(kind: type[E]) -> Iterator[list[E]]:
    caught: list[E] = []
    try:
        yield caught
    except kind as exc:
        caught.append(exc)
    else:
        raise AssertionError(f"expected {kind.__name__} to be raised")


class _Boom(Exception):
    """Raised by tests to abort a transaction."""


def _ids(items: Any) -> list[str]:
    return [i.id for i in items]


def _keys(entries: Any) -> list[str]:
    return [e.key for e in entries]


def _access(record_id: str, at: datetime | None = None, **fields: Any) -> AccessRecord:
    """An access record: agent ``agt_1`` looking at ``cus_1`` at ``at`` (``T0``)."""
    values: dict[str, Any] = {
        "viewer_id": "agt_1",
        "viewer_role": "agent",
        "customer_id": "cus_1",
        "fields_shown": ("name", "timeline"),
        **fields,
    }
    return AccessRecord(id=record_id, occurred_at=at or f.T0, **values)


def _entry(key: str, at: datetime | None = None, **fields: Any) -> OutboxEntry:
    """A new outbox entry: an SMS to ``cus_1``, created at ``at`` (``T0``)."""
    values: dict[str, Any] = {
        "channel": "sms",
        "to": "+442079460958",
        "body": "Your case moved to phone: we will call you in 5 minutes.",
        "customer_id": "cus_1",
        **fields,
    }
    return OutboxEntry(key=key, created_at=at or f.T0, **values)


def _claimed(entry: OutboxEntry, owner: str, until: datetime) -> OutboxEntry:
    """``entry`` claimed by worker ``owner`` until ``until``."""
    return entry.model_copy(
        update={"status": OutboxStatus.SENDING, "lease_owner": owner, "lease_until": until}
    )


def _sent(entry: OutboxEntry, at: datetime) -> OutboxEntry:
    """``entry`` delivered by provider ``sms-a`` at ``at``, with its attempt."""
    attempt = DeliveryAttempt(
        provider="sms-a",
        started_at=at,
        outcome=AttemptOutcome.SENT,
        finished_at=at,
        provider_message_id="pm-1",
    )
    return entry.model_copy(
        update={
            "status": OutboxStatus.SENT,
            "attempts": (*entry.attempts, attempt),
            "provider": "sms-a",
            "provider_message_id": "pm-1",
            "sent_at": at,
        }
    )


class StoreContract:
    """The storage contract as test methods. Subclass it and implement
    :meth:`make_store`; override :meth:`reopen_store` if the adapter can open
    a second handle on the same data (files, a database server)."""

    # -- hooks for adapter authors -------------------------------------------

    def make_store(self) -> Store:
        """Return a new, empty store.

        Called before each test, and again for every example of the
        property-based checks, so keep it cheap. Stores must be safe to use
        from several threads at once (the kit checks concurrent appends).
        """
        raise NotImplementedError("subclasses of StoreContract implement make_store()")

    def reopen_store(self, store: Store) -> Store | None:
        """A second, independent handle on ``store``'s data, or ``None`` if the
        adapter has no such thing (an in-memory store). Enables the checks that
        two handles see each other's writes and conflict on stale versions."""
        return None

    # -- plumbing --------------------------------------------------------------

    def setup_method(self, method: Callable[..., Any] | None = None) -> None:
        """Create the store for one test (pytest calls this)."""
        self._tmp_dirs: list[Path] = []
        self._extra_stores: list[Store] = []
        self.store = self.make_store()

    def teardown_method(self, method: Callable[..., Any] | None = None) -> None:
        """Close every store and remove temporary folders (pytest calls this)."""
        for extra in self._extra_stores:
            with contextlib.suppress(Exception):
                extra.close()
        with contextlib.suppress(Exception):
            self.store.close()
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
        path = Path(tempfile.mkdtemp(prefix="omnicontext-contract-"))
        self._tmp_dirs.append(path)
        return path

    def _second(self) -> Store:
        other = self.reopen_store(self.store)
        if other is None:
            raise unittest.SkipTest("adapter has no second handle (reopen_store returns None)")
        self._extra_stores.append(other)
        return other

    def _timeline(self, customer_id: str, **kw: Any) -> list[str]:
        return _ids(self.store.interactions.customer_timeline(customer_id, **kw).items)

    # == interactions: append and idempotency ===================================

    def test_append_then_get_returns_equal_record_of_same_type(self) -> None:
        for item in (
            f.message("m1"),
            f.call("c1"),
            f.note("n1"),
            f.status("s1"),
            f.assignment("a1"),
            f.survey("v1"),
            f.handoff("h1"),
            f.survey("v2", csat=None, nps=9),
            f.call("c2", answered_at=None, ended_at=f.minutes(2)),
        ):
            assert self.store.interactions.append(item) is True
            got = self.store.interactions.get(item.id)
            assert type(got) is type(item)
            assert got == item
            assert got.to_json() == item.to_json()
        assert self.store.interactions.count() == 9

    def test_appending_identical_record_again_is_a_no_op(self) -> None:
        item = f.message("m1")
        assert self.store.interactions.append(item) is True
        assert self.store.interactions.append(f.message("m1")) is False
        assert self.store.interactions.count() == 1

    def test_same_instant_in_another_utc_offset_is_the_same_content(self) -> None:
        plus_two = timezone(timedelta(hours=2))
        self.store.interactions.append(f.message("m1", at=f.T0))
        again = f.message("m1", at=f.T0.astimezone(plus_two))
        assert self.store.interactions.append(again) is False
        assert self.store.interactions.get("m1").occurred_at == f.T0

    def test_reusing_an_id_with_other_content_raises_conflict_and_keeps_original(self) -> None:
        self.store.interactions.append(f.message("m1", body="first"))
        with _raises(ConflictError) as caught:
            self.store.interactions.append(f.message("m1", body="second"))
        assert caught[0].id == "m1"
        assert caught[0].kind == "interaction"
        assert self.store.interactions.get("m1").body == "first"  # type: ignore[union-attr]

    def test_batch_append_counts_added_and_duplicates(self) -> None:
        self.store.interactions.append(f.message("m1"))
        result = self.store.interactions.append_many(
            [f.message("m1"), f.message("m2"), f.note("n1"), f.message("m2")]
        )
        assert result == AppendResult(added=2, duplicates=2)
        assert self.store.interactions.count() == 3

    def test_batch_with_one_conflict_writes_nothing(self) -> None:
        self.store.interactions.append(f.message("m1", body="first"))
        batch = [f.message("new1"), f.message("m1", body="changed"), f.message("new2")]
        with _raises(ConflictError) as caught:
            self.store.interactions.append_many(batch)
        assert caught[0].id == "m1"
        assert self.store.interactions.count() == 1
        for missing in ("new1", "new2"):
            with _raises(NotFound):
                self.store.interactions.get(missing)

    def test_conflict_inside_one_batch_writes_nothing(self) -> None:
        batch = [f.message("a"), f.message("b", body="x"), f.message("b", body="y")]
        with _raises(ConflictError):
            self.store.interactions.append_many(batch)
        assert self.store.interactions.count() == 0

    def test_empty_batch_appends_nothing(self) -> None:
        assert self.store.interactions.append_many([]) == AppendResult(added=0, duplicates=0)
        assert self.store.interactions.append_many(iter(())) == AppendResult(0, 0)

    def test_append_accepts_a_generator(self) -> None:
        result = self.store.interactions.append_many(f.message(f"m{i}") for i in range(5))
        assert result.added == 5

    def test_appending_something_else_than_an_interaction_is_invalid_input(self) -> None:
        raw = f.message("m1").to_dict()
        with _raises(InvalidInput) as caught:
            self.store.interactions.append(raw)  # type: ignore[arg-type]
        assert caught[0].field == "interaction"
        assert self.store.interactions.count() == 0

    def test_get_unknown_interaction_raises_not_found(self) -> None:
        with _raises(NotFound) as caught:
            self.store.interactions.get("nope")
        assert (caught[0].kind, caught[0].id) == ("interaction", "nope")

    def test_unicode_and_large_bodies_survive_intact(self) -> None:
        bodies = {
            "emoji": "Card blocked 😡😡 again — ça ne marche pas",
            "rtl": "הכרטיס שלי נחסם בחו״ל، ممكن مساعدة؟",
            "cjk": "我的卡在国外被冻结了。请帮忙！",  # noqa: RUF001
            "control": "line one\nline two\ttab\x00nul \u2028 sep",
            "large": "0123456789abcdef" * 65_536,  # 1 MiB
        }
        for key, body in bodies.items():
            self.store.interactions.append(f.message(key, body=body))
        for key, body in bodies.items():
            assert self.store.interactions.get(key).body == body  # type: ignore[union-attr]
        page = self.store.interactions.customer_timeline("cus_1", limit=10)
        assert {i.body for i in page.items} == set(bodies.values())  # type: ignore[union-attr]

    def test_unicode_ids_and_owner_ids_work(self) -> None:
        self.store.interactions.append(f.message("msg-é-1", customer_id="客户-7"))
        assert self._timeline("客户-7") == ["msg-é-1"]

    # == timelines ==============================================================

    def test_customer_timeline_is_ordered_by_time_across_channels(self) -> None:
        records: list[Interaction] = [
            f.call("c", at=f.minutes(30)),
            f.message("a", at=f.minutes(0), channel="social_public"),
            f.handoff("h", at=f.minutes(5)),
            f.message("b", at=f.minutes(10), channel="social_private"),
            f.message("d", at=f.minutes(45), channel="email", direction="outbound"),
            f.message("other", at=f.minutes(1), customer_id="cus_2"),
        ]
        self.store.interactions.append_many(records)
        assert self._timeline("cus_1") == ["a", "h", "b", "c", "d"]
        assert self._timeline("cus_2") == ["other"]

    def test_ties_on_time_are_broken_by_id(self) -> None:
        plus_one = timezone(timedelta(hours=1))
        self.store.interactions.append_many(
            [
                f.message("b", at=f.T0),
                f.message("c", at=f.T0.astimezone(plus_one)),  # the same instant
                f.message("a", at=f.T0),
                f.message("z", at=f.T0 - timedelta(microseconds=1)),
            ]
        )
        assert self._timeline("cus_1") == ["z", "a", "b", "c"]
        assert self._timeline("cus_1", newest_first=True) == ["c", "b", "a", "z"]

    def test_timeline_orders_by_instant_not_by_local_clock(self) -> None:
        tokyo = timezone(timedelta(hours=9))
        # 10:00 in Tokyo is 01:00 UTC, before 09:00 UTC.
        self.store.interactions.append_many(
            [
                f.message("utc9", at=f.T0),
                f.message("tokyo10", at=f.T0.replace(hour=10, tzinfo=tokyo)),
            ]
        )
        assert self._timeline("cus_1") == ["tokyo10", "utc9"]

    def test_timeline_pages_cover_everything_once_in_both_directions(self) -> None:
        records = [f.message(f"m{i:02d}", at=f.minutes(i % 7)) for i in range(23)]
        self.store.interactions.append_many(records)
        expected = _ids(sorted(records, key=lambda r: (r.occurred_at, r.id)))
        for newest_first, order in ((False, expected), (True, expected[::-1])):
            seen: list[str] = []
            cursor: str | None = None
            pages = 0
            while True:
                page = self.store.interactions.customer_timeline(
                    "cus_1", limit=5, cursor=cursor, newest_first=newest_first
                )
                assert isinstance(page, Page)
                assert len(page.items) <= 5
                seen += _ids(page.items)
                pages += 1
                cursor = page.next_cursor
                if cursor is None:
                    break
            assert seen == order
            assert pages == 5

    def test_exact_fit_last_page_has_no_cursor(self) -> None:
        self.store.interactions.append_many(f.message(f"m{i}", at=f.minutes(i)) for i in range(4))
        first = self.store.interactions.customer_timeline("cus_1", limit=2)
        second = self.store.interactions.customer_timeline(
            "cus_1", limit=2, cursor=first.next_cursor
        )
        assert _ids(second.items) == ["m2", "m3"]
        assert second.next_cursor is None

    def test_cursor_position_survives_later_appends(self) -> None:
        self.store.interactions.append_many(f.message(f"m{i}", at=f.minutes(i)) for i in range(4))
        first = self.store.interactions.customer_timeline("cus_1", limit=2)
        self.store.interactions.append(f.message("early", at=f.minutes(-5)))
        self.store.interactions.append(f.message("late", at=f.minutes(50)))
        rest = self.store.interactions.customer_timeline(
            "cus_1", limit=10, cursor=first.next_cursor
        )
        assert _ids(rest.items) == ["m2", "m3", "late"]

    def test_unknown_owner_has_an_empty_timeline(self) -> None:
        page = self.store.interactions.customer_timeline("nobody")
        assert page.items == ()
        assert page.next_cursor is None
        assert self.store.interactions.case_timeline("no-case").items == ()

    def test_case_timeline_spans_channels_and_customers_of_the_case(self) -> None:
        self.store.interactions.append_many(
            [
                f.message("m1", at=f.minutes(0), case_id="k1", channel="social_public"),
                f.note("n1", at=f.minutes(3), case_id="k1", customer_id=None),
                f.call("c1", at=f.minutes(9), case_id="k1"),
                f.message("m2", at=f.minutes(1), case_id="k2"),
                f.message("m3", at=f.minutes(2)),
            ]
        )
        page = self.store.interactions.case_timeline("k1", limit=2)
        assert _ids(page.items) == ["m1", "n1"]
        rest = self.store.interactions.case_timeline("k1", cursor=page.next_cursor)
        assert _ids(rest.items) == ["c1"]
        assert _ids(self.store.interactions.case_timeline("k1", newest_first=True).items) == [
            "c1",
            "n1",
            "m1",
        ]

    def test_bad_page_requests_are_invalid_input(self) -> None:
        for limit in (0, -1, 10_001, True, 2.5):
            with _raises(InvalidInput) as caught:
                self.store.interactions.customer_timeline("cus_1", limit=limit)  # type: ignore[arg-type]
            assert caught[0].field == "limit"
        with _raises(InvalidInput) as bad_cursor:
            self.store.interactions.customer_timeline("cus_1", cursor="not-a-cursor")
        assert bad_cursor[0].field == "cursor"

    # == time-range scans =======================================================

    def test_scan_streams_a_half_open_range_in_order_and_in_chunks(self) -> None:
        records = [
            f.message(f"m{i:02d}", at=f.minutes(i // 2), customer_id=f"c{i}") for i in range(20)
        ]
        self.store.interactions.append_many(records)
        chunks = list(self.store.interactions.scan(f.minutes(2), f.minutes(7), chunk_size=3))
        got = [i.id for chunk in chunks for i in chunk]
        assert got == [f"m{i:02d}" for i in range(4, 14)]
        assert [len(c) for c in chunks] == [3, 3, 3, 1]

    def test_scan_without_bounds_returns_the_whole_log_in_order(self) -> None:
        records = [f.message(f"m{i}", at=f.minutes(-i)) for i in range(7)]
        self.store.interactions.append_many(records)
        got = [i.id for chunk in self.store.interactions.scan(chunk_size=2) for i in chunk]
        assert got == [f"m{i}" for i in reversed(range(7))]

    def test_scan_is_lazy_and_chunks_respect_chunk_size(self) -> None:
        self.store.interactions.append_many(f.message(f"m{i}", at=f.minutes(i)) for i in range(10))
        stream = self.store.interactions.scan(chunk_size=4)
        first = next(iter(stream))
        assert _ids(first) == ["m0", "m1", "m2", "m3"]
        rest = [len(c) for c in stream]
        assert rest == [4, 2]

    def test_scan_of_an_exact_multiple_ends_cleanly(self) -> None:
        self.store.interactions.append_many(f.message(f"m{i}", at=f.minutes(i)) for i in range(4))
        assert [len(c) for c in self.store.interactions.scan(chunk_size=2)] == [2, 2]
        assert list(self.store.interactions.scan(f.minutes(100), chunk_size=2)) == []

    def test_scan_bounds_compare_instants_across_offsets(self) -> None:
        self.store.interactions.append(f.message("m1", at=f.T0))
        plus_five = timezone(timedelta(hours=5))
        start = f.T0.astimezone(plus_five)  # same instant, another offset
        assert [i.id for c in self.store.interactions.scan(start) for i in c] == ["m1"]
        assert list(self.store.interactions.scan(None, start)) == []

    def test_bad_scan_arguments_are_invalid_input(self) -> None:
        naive = datetime(2026, 1, 5, 9, 0)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"start": naive}, "start"),
            ({"end": naive}, "end"),
            ({"start": f.minutes(5), "end": f.minutes(1)}, "end"),
            ({"chunk_size": 0}, "chunk_size"),
            ({"chunk_size": 10_001}, "chunk_size"),
        ]
        for kwargs, field in cases:
            with _raises(InvalidInput) as caught:
                next(iter(self.store.interactions.scan(**kwargs)), None)
            assert caught[0].field == field, kwargs

    # == customers ==============================================================

    def test_customer_save_assigns_versions_and_get_returns_it(self) -> None:
        first = self.store.customers.save(f.customer("cus_1"))
        assert first.version == 1
        assert self.store.customers.get("cus_1") == first
        second = self.store.customers.save(first.model_copy(update={"display_name": "Ada L."}))
        assert second.version == 2
        assert self.store.customers.get("cus_1").display_name == "Ada L."
        assert self.store.customers.count() == 1

    def test_stale_customer_save_raises_conflict_and_keeps_the_winner(self) -> None:
        saved = self.store.customers.save(f.customer("cus_1"))
        winner = self.store.customers.save(saved.model_copy(update={"display_name": "Winner"}))
        with _raises(ConflictError) as caught:
            self.store.customers.save(saved.model_copy(update={"display_name": "Loser"}))
        assert (caught[0].kind, caught[0].id) == ("customer", "cus_1")
        assert self.store.customers.get("cus_1") == winner

    def test_creating_a_customer_twice_conflicts(self) -> None:
        self.store.customers.save(f.customer("cus_1", display_name="One"))
        with _raises(ConflictError):
            self.store.customers.save(f.customer("cus_1", display_name="Two"))
        assert self.store.customers.get("cus_1").display_name == "One"

    def test_saving_an_unknown_customer_with_a_version_conflicts(self) -> None:
        with _raises(ConflictError):
            self.store.customers.save(f.customer("ghost", version=3))
        with _raises(NotFound):
            self.store.customers.get("ghost")

    def test_customer_round_trips_every_field(self) -> None:
        full = Customer(
            id="cus_9",
            display_name="Zoë Ølsen-姓名",
            language="pt-BR",
            time_zone="America/Sao_Paulo",
            identities=[
                f.identity(
                    "email",
                    "zoe@example.com",
                    verified=True,
                    verified_at=f.T0,
                    verification_method="email_link",
                ),
                f.identity("phone", "+5511912345678"),
                f.identity("social", "@zoe", platform="instagram"),
                f.identity("external", "A-17", system="shopify"),
            ],
            consent={"sms": {"granted": False, "recorded_at": f.T0, "source": "call"}},
            tags=["vip"],
            created_at=f.T0,
        )
        saved = self.store.customers.save(full)
        assert saved == full.model_copy(update={"version": 1})
        assert self.store.customers.get("cus_9") == saved

    def test_find_by_identity_uses_the_full_key(self) -> None:
        email = f.identity("email", "ada@example.com")
        self.store.customers.save(f.customer("cus_1", identities=[email]))
        self.store.customers.save(
            f.customer("cus_2", identities=[f.identity("social", "ada@example.com")])
        )
        assert _ids(self.store.customers.find_by_identity(email)) == ["cus_1"]
        assert _ids(self.store.customers.find_by_identity("email:ada@example.com")) == ["cus_1"]
        twitter = "social:twitter:ada@example.com"
        assert _ids(self.store.customers.find_by_identity(twitter)) == ["cus_2"]
        assert self.store.customers.find_by_identity("email:nobody@example.com") == []

    def test_shared_identity_finds_every_holder_sorted(self) -> None:
        phone = f.identity("phone", "+442079460958")
        for cid in ("cus_b", "cus_a"):
            self.store.customers.save(f.customer(cid, identities=[phone]))
        assert _ids(self.store.customers.find_by_identity(phone)) == ["cus_a", "cus_b"]

    def test_identity_index_follows_saves(self) -> None:
        old, new = f.identity("email", "old@example.com"), f.identity("email", "new@example.com")
        saved = self.store.customers.save(f.customer("cus_1", identities=[old]))
        self.store.customers.save(saved.model_copy(update={"identities": (new,)}))
        assert self.store.customers.find_by_identity(old) == []
        assert _ids(self.store.customers.find_by_identity(new)) == ["cus_1"]

    def test_get_unknown_customer_raises_not_found(self) -> None:
        with _raises(NotFound) as caught:
            self.store.customers.get("nope")
        assert (caught[0].kind, caught[0].id) == ("customer", "nope")

    def test_saving_something_else_than_a_customer_is_invalid_input(self) -> None:
        with _raises(InvalidInput):
            self.store.customers.save({"id": "cus_1"})  # type: ignore[arg-type]
        assert self.store.customers.count() == 0

    # == cases ==================================================================

    def test_case_save_versions_and_lists_by_customer(self) -> None:
        first = self.store.cases.save(f.case("k2"))
        self.store.cases.save(f.case("k1"))
        self.store.cases.save(f.case("k3", customer_id="cus_2"))
        assert first.version == 1
        solved = self.store.cases.save(first.transition("solved"))
        assert solved.version == 2
        assert self.store.cases.get("k2").status == "solved"
        assert _ids(self.store.cases.for_customer("cus_1")) == ["k1", "k2"]
        assert self.store.cases.for_customer("nobody") == []

    def test_stale_case_save_raises_conflict(self) -> None:
        saved = self.store.cases.save(f.case("k1"))
        self.store.cases.save(saved.transition("pending"))
        with _raises(ConflictError) as caught:
            self.store.cases.save(saved.transition("solved"))
        assert (caught[0].kind, caught[0].id) == ("case", "k1")
        assert self.store.cases.get("k1").status == "pending"

    def test_case_round_trips_checkpoints_and_tags(self) -> None:
        case = f.case(
            "k1",
            tags=["cards", "abroad"],
            intent="card_blocked",
            priority="high",
            checkpoints=[
                {
                    "name": "identity_verified",
                    "done_at": f.T0,
                    "channel": "app",
                    "detail": {"method": "face_id"},
                }
            ],
            created_at=f.T0,
        )
        saved = self.store.cases.save(case)
        assert self.store.cases.get("k1") == saved
        assert saved.tags == ("abroad", "cards")

    def test_get_unknown_case_raises_not_found(self) -> None:
        with _raises(NotFound) as caught:
            self.store.cases.get("nope")
        assert (caught[0].kind, caught[0].id) == ("case", "nope")

    # == transactions ===========================================================

    def test_transaction_commits_all_writes_together(self) -> None:
        with self.store.transaction():
            self.store.customers.save(f.customer("cus_1"))
            self.store.cases.save(f.case("k1"))
            self.store.interactions.append(f.message("m1", case_id="k1"))
            assert self.store.interactions.get("m1").case_id == "k1"
        assert self.store.customers.get("cus_1").version == 1
        assert self.store.cases.get("k1").version == 1
        assert self.store.interactions.count() == 1

    def test_failed_transaction_rolls_back_every_write(self) -> None:
        base = self.store.customers.save(f.customer("cus_1", display_name="Before"))
        self.store.interactions.append(f.message("m0"))
        with _raises(_Boom), self.store.transaction():
            self.store.customers.save(base.model_copy(update={"display_name": "After"}))
            self.store.customers.save(f.customer("cus_2"))
            self.store.cases.save(f.case("k1"))
            self.store.interactions.append_many([f.message("m1"), f.note("n1")])
            raise _Boom
        assert self.store.customers.get("cus_1").display_name == "Before"
        assert self.store.customers.get("cus_1").version == 1
        with _raises(NotFound):
            self.store.customers.get("cus_2")
        with _raises(NotFound):
            self.store.cases.get("k1")
        assert self.store.interactions.count() == 1

    def test_nested_transactions_join_the_outer_one(self) -> None:
        with _raises(_Boom), self.store.transaction():
            with self.store.transaction():
                self.store.interactions.append(f.message("inner"))
            self.store.interactions.append(f.message("outer"))
            raise _Boom
        assert self.store.interactions.count() == 0
        with self.store.transaction(), self.store.transaction():
            self.store.interactions.append(f.message("inner"))
        assert self.store.interactions.count() == 1

    def test_conflict_inside_transaction_rolls_back_when_it_propagates(self) -> None:
        self.store.interactions.append(f.message("m1", body="first"))
        with _raises(ConflictError), self.store.transaction():
            self.store.customers.save(f.customer("cus_1"))
            self.store.interactions.append(f.message("m1", body="second"))
        assert self.store.customers.count() == 0

    def test_a_failed_write_inside_a_transaction_leaves_nothing_of_itself(self) -> None:
        # Each write is atomic even inside a block: catching its error keeps
        # the block's earlier writes and none of the failed call's.
        self.store.interactions.append(f.message("m1", body="first"))
        with self.store.transaction():
            self.store.interactions.append(f.message("m2"))
            with _raises(ConflictError):
                self.store.interactions.append_many(
                    [f.message("m3"), f.message("m1", body="second")]
                )
            self.store.customers.save(f.customer("cus_1"))
        assert self.store.interactions.count() == 2
        assert {i.id for batch in self.store.interactions.scan() for i in batch} == {"m1", "m2"}
        assert self.store.customers.count() == 1

    def test_store_is_usable_after_a_failed_transaction(self) -> None:
        with _raises(_Boom), self.store.transaction():
            self.store.interactions.append(f.message("m1"))
            raise _Boom
        assert self.store.interactions.append(f.message("m1")) is True
        assert self.store.interactions.count() == 1

    # == re-attribution (identity resolution) ===================================

    def test_reassign_moves_interactions_between_timelines(self) -> None:
        self.store.interactions.append_many(
            [f.message("m1", at=f.minutes(1)), f.message("m2", at=f.minutes(2))]
        )
        assert self.store.interactions.reassign(["m2", "m1"], "cus_2") == 2
        assert self._timeline("cus_1") == []
        assert self._timeline("cus_2") == ["m1", "m2"]
        moved = self.store.interactions.get("m1")
        assert moved == f.message("m1", at=f.minutes(1), customer_id="cus_2")
        # Already there: nothing changes, nothing counted.
        assert self.store.interactions.reassign(["m1"], "cus_2") == 0
        assert self.store.interactions.count() == 2

    def test_reassign_to_none_makes_records_unresolved_by_their_identity(self) -> None:
        phone = f.identity("phone", "+442079460958")
        self.store.interactions.append_many(
            [
                f.message("m2", at=f.minutes(2), customer_id="cus_1", identity=phone),
                f.message("m1", at=f.minutes(1), customer_id="cus_1", identity=phone),
                f.message("m3", at=f.minutes(3), customer_id=None, identity=phone),
            ]
        )
        assert _ids(self.store.interactions.unresolved(phone.key)) == ["m3"]
        assert self.store.interactions.reassign(["m1", "m2"], None) == 2
        assert self._timeline("cus_1") == []
        first = self.store.interactions.unresolved(phone.key, limit=2)
        assert _ids(first) == ["m1", "m2"]
        assert first.next_cursor is not None
        rest = self.store.interactions.unresolved(phone.key, limit=2, cursor=first.next_cursor)
        assert _ids(rest) == ["m3"]
        assert rest.next_cursor is None
        assert self.store.interactions.unresolved("phone:+10000000000").items == ()

    def test_reassign_with_an_unknown_id_changes_nothing(self) -> None:
        self.store.interactions.append(f.message("m1"))
        with _raises(NotFound) as caught:
            self.store.interactions.reassign(["m1", "ghost"], "cus_2")
        assert caught[0].id == "ghost"
        assert self._timeline("cus_1") == ["m1"]
        assert self._timeline("cus_2") == []

    def test_reassign_rejects_bad_arguments(self) -> None:
        self.store.interactions.append(f.message("m1"))
        with _raises(InvalidInput):
            self.store.interactions.reassign("m1", "cus_2")
        with _raises(InvalidInput):
            self.store.interactions.reassign(["m1"], "  ")
        with _raises(InvalidInput):
            self.store.interactions.reassign(["m1"], "cus\n2")
        with _raises(InvalidInput):
            self.store.interactions.reassign(["m1"], "cus_2\n")
        with _raises(InvalidInput):
            self.store.interactions.reassign(["m1"], 7)  # type: ignore[arg-type]
        assert self._timeline("cus_1") == ["m1"]

    def test_reassign_inside_a_failed_transaction_is_undone(self) -> None:
        self.store.interactions.append(f.message("m1"))
        with _raises(_Boom), self.store.transaction():
            self.store.interactions.reassign(["m1"], "cus_2")
            raise _Boom
        assert self._timeline("cus_1") == ["m1"]
        assert self.store.interactions.get("m1").customer_id == "cus_1"

    def test_the_unattributed_original_is_a_duplicate_after_reassign(self) -> None:
        phone = f.identity("phone", "+442079460958")
        original = f.message("m1", customer_id=None, identity=phone)
        self.store.interactions.append(original)
        self.store.interactions.reassign(["m1"], "cus_1")
        # Re-importing the file it came from must not conflict.
        assert self.store.interactions.append(original) is False
        # Nor after a merge moved a record imported with its first customer.
        self.store.interactions.append(f.message("m2", customer_id="cus_2"))
        self.store.interactions.reassign(["m2"], "cus_1")
        assert self.store.interactions.append(f.message("m2", customer_id="cus_2")) is False
        assert self.store.interactions.get("m2").customer_id == "cus_1"
        assert self.store.interactions.get("m1").customer_id == "cus_1"
        with _raises(ConflictError):
            self.store.interactions.append(original.model_copy(update={"body": "other"}))

    # == merge records and suggestions ============================================

    def test_customer_scan_streams_everyone_by_id_in_chunks(self) -> None:
        for n in (5, 1, 4, 2, 3):
            self.store.customers.save(f.customer(f"cus_{n}"))
        self.store.customers.save(f.customer("cus_6", merged_into="cus_1"))
        chunks = [list(chunk) for chunk in self.store.customers.scan(chunk_size=4)]
        assert [len(c) for c in chunks] == [4, 2]
        assert [c.id for chunk in chunks for c in chunk] == [f"cus_{n}" for n in range(1, 7)]
        assert len(list(self.store.customers.scan(chunk_size=1))) == 6
        with _raises(InvalidInput):
            self.store.customers.scan(chunk_size=0)

    def test_merged_profile_round_trips(self) -> None:
        saved = self.store.customers.save(f.customer("cus_2", merged_into="cus_1"))
        assert self.store.customers.get("cus_2") == saved
        assert saved.merged_into == "cus_1"

    def test_merge_records_version_and_list_by_customer(self) -> None:
        first = self.store.merges.save(f.merge_record("mrg_b", at=f.minutes(5)))
        assert first.version == 1
        self.store.merges.save(
            f.merge_record("mrg_a", survivor_id="cus_3", absorbed_id="cus_1", at=f.minutes(9))
        )
        self.store.merges.save(
            f.merge_record("mrg_c", survivor_id="cus_3", absorbed_id="cus_4", at=f.minutes(1))
        )
        assert _ids(self.store.merges.for_customer("cus_1")) == ["mrg_b", "mrg_a"]
        assert _ids(self.store.merges.for_customer("cus_3")) == ["mrg_c", "mrg_a"]
        assert self.store.merges.for_customer("nobody") == []
        assert self.store.merges.count() == 3
        undone = first.model_copy(update={"undone_at": f.minutes(60), "undone_by": "ag_2"})
        again = self.store.merges.save(undone)
        assert again.version == 2
        assert self.store.merges.get("mrg_b") == again
        with _raises(ConflictError):
            self.store.merges.save(undone)
        with _raises(NotFound) as caught:
            self.store.merges.get("mrg_zz")
        assert caught[0].id == "mrg_zz"
        with _raises(InvalidInput):
            self.store.merges.save(f.suggestion())  # type: ignore[arg-type]

    def test_suggestions_version_page_and_count_by_status(self) -> None:
        for n in range(5):
            self.store.suggestions.save(
                f.suggestion(f"sug_{n}", ("cus_1", f"cus_{n + 2}"), at=f.minutes(10 - n))
            )
        self.store.suggestions.save(
            f.suggestion(
                "sug_x",
                ("cus_8", "cus_9"),
                at=f.minutes(0),
                status="rejected",
                decided_at=f.minutes(1),
            )
        )
        assert self.store.suggestions.count() == 6
        assert self.store.suggestions.count("pending") == 5
        assert self.store.suggestions.count("rejected") == 1
        with _raises(InvalidInput):
            self.store.suggestions.count("maybe")
        first = self.store.suggestions.pending(limit=3)
        assert _ids(first) == ["sug_4", "sug_3", "sug_2"]
        rest = self.store.suggestions.pending(limit=3, cursor=first.next_cursor)
        assert _ids(rest) == ["sug_1", "sug_0"]
        assert rest.next_cursor is None
        assert _ids(self.store.suggestions.for_customer("cus_3")) == ["sug_1"]
        assert len(self.store.suggestions.for_customer("cus_1")) == 5
        stale = self.store.suggestions.get("sug_0")
        self.store.suggestions.save(
            stale.model_copy(
                update={"status": SuggestionStatus.REJECTED, "decided_at": f.minutes(20)}
            )
        )
        with _raises(ConflictError):
            self.store.suggestions.save(stale)
        assert self.store.suggestions.count("pending") == 4
        assert "sug_0" not in _ids(self.store.suggestions.pending().items)
        with _raises(NotFound):
            self.store.suggestions.get("sug_zz")

    # == identity resolution over this store ======================================

    def _resolver(self) -> Any:
        import itertools

        from omnicontext.identity import IdentityResolver

        ticks = itertools.count()
        numbers = itertools.count(1)
        return IdentityResolver(
            self.store,
            clock=lambda: f.minutes(next(ticks)),
            new_id=lambda: f"cus_{next(numbers)}",
            new_merge_id=lambda: f"mrg_{next(numbers)}",
        )

    def _content(self) -> tuple[dict[str, Any], ...]:
        customers = {
            c.id: c.model_copy(update={"version": 0})
            for chunk in self.store.customers.scan()
            for c in chunk
        }
        cases = {
            k.id: k.model_copy(update={"version": 0})
            for cid in customers
            for k in self.store.cases.for_customer(cid)
        }
        items = {i.id: i for chunk in self.store.interactions.scan() for i in chunk}
        return customers, cases, items

    def test_identity_merge_moves_everything_and_unmerge_restores_it(self) -> None:
        r = self._resolver()
        email = f.identity("email", "ada@example.com", verified=True)
        crm = r.resolve(email, display_name="Ada")
        chat = r.resolve(f.identity("phone", "+447911123456"))
        self.store.cases.save(f.case("k1", customer_id=chat.id))
        self.store.interactions.append_many(
            [
                f.message("m1", customer_id=chat.id, case_id="k1"),
                f.message("m2", at=f.minutes(1), customer_id=crm.id),
            ]
        )
        before = self._content()
        (record,) = r.link(chat.id, email, verified=True).merges
        assert (record.survivor_id, record.absorbed_id) == (crm.id, chat.id)
        assert self._timeline(crm.id) == ["m1", "m2"]
        assert self.store.cases.get("k1").customer_id == crm.id
        assert self.store.customers.get(chat.id).merged_into == crm.id
        assert self.store.merges.get(record.id) == record
        r.unmerge(record.id, actor="ag_1")
        customers, cases, items = self._content()
        # The chat profile is back as the merge found it (with the email it had
        # just verified); everything else is as it was before the link.
        assert customers[chat.id] == record.absorbed_before.model_copy(update={"version": 0})
        assert customers[crm.id] == before[0][crm.id]
        assert (cases, items) == before[1:]
        assert self.store.merges.get(record.id).undone

    def test_identity_suggestion_is_kept_and_erasure_after_a_merge_takes_all(self) -> None:
        r = self._resolver()
        phone = f.identity("phone", "+447911123456", verified=True)
        crm = r.resolve(phone)
        web = r.resolve(f.identity("email", "ada@example.com"))
        (suggestion,) = r.link(web.id, phone.model_copy(update={"verified": False})).suggestions
        assert self.store.suggestions.pending().items == (suggestion,)
        r.accept(suggestion.id, actor="ag_1")
        self.store.interactions.append(f.message("m1", customer_id=web.id))
        report = self.store.erase_customer(web.id)
        assert (report.customers, report.merges, report.suggestions) == (2, 1, 1)
        assert self.store.customers.count() == 0
        assert self.store.interactions.count() == 0
        with _raises(NotFound):
            self.store.customers.get(crm.id)

    # == erasure ================================================================

    def _erasure_world(self) -> None:
        phone = f.identity("phone", "+442079460958", verified=True)
        shared = f.identity("phone", "+442079460000")
        self.store.customers.save(
            f.customer("cus_1", identities=[f.identity("email", "ada@example.com"), phone, shared])
        )
        self.store.customers.save(f.customer("cus_2", identities=[shared]))
        self.store.cases.save(f.case("k1"))
        self.store.cases.save(f.case("k2"))
        self.store.cases.save(f.case("k9", customer_id="cus_2"))
        self.store.interactions.append_many(
            [
                f.message("m1", case_id="k1"),
                f.message("m2"),
                f.note("n1", case_id="k2", customer_id=None),
                f.message("raw1", customer_id=None, identity=phone),
                f.message("raw-shared", customer_id=None, identity=shared),
                f.message("other", customer_id="cus_2", case_id="k9"),
            ]
        )

    def test_erase_customer_removes_every_record_of_theirs_only(self) -> None:
        self._erasure_world()
        report = self.store.erase_customer("cus_1")
        assert (report.customers, report.identities, report.cases, report.interactions) == (
            1,
            3,
            2,
            4,
        )
        assert report.total == 10
        with _raises(NotFound):
            self.store.customers.get("cus_1")
        assert self.store.cases.for_customer("cus_1") == []
        assert self._timeline("cus_1") == []
        assert self.store.interactions.case_timeline("k2").items == ()
        for gone in ("m1", "m2", "n1", "raw1"):
            with _raises(NotFound):
                self.store.interactions.get(gone)
        assert self.store.customers.find_by_identity("email:ada@example.com") == []
        # The other customer, and the record only a shared identity links, stay.
        assert _ids(self.store.customers.find_by_identity("phone:+442079460000")) == ["cus_2"]
        assert self.store.interactions.get("raw-shared").id == "raw-shared"
        assert self._timeline("cus_2") == ["other"]
        assert self.store.cases.get("k9").customer_id == "cus_2"
        assert self.store.interactions.count() == 2

    def test_erasing_twice_or_an_unknown_customer_reports_zeros(self) -> None:
        self._erasure_world()
        self.store.erase_customer("cus_1")
        again = self.store.erase_customer("cus_1")
        assert again.total == 0
        assert self.store.erase_customer("never-existed").total == 0

    def test_erasure_without_a_customer_document_removes_what_carries_the_id(self) -> None:
        self.store.interactions.append_many(
            [f.message("m1", customer_id="cus_x"), f.message("m2", customer_id="cus_y")]
        )
        report = self.store.erase_customer("cus_x")
        assert (report.customers, report.interactions) == (0, 1)
        assert _ids(i for batch in self.store.interactions.scan() for i in batch) == ["m2"]

    def test_erasure_takes_merged_profiles_merge_records_and_suggestions(self) -> None:
        self.store.customers.save(f.customer("cus_1"))
        self.store.customers.save(f.customer("cus_2", merged_into="cus_1"))
        self.store.customers.save(f.customer("cus_3", merged_into="cus_2"))
        self.store.customers.save(f.customer("cus_9"))
        self.store.interactions.append_many(
            [
                f.message("m1"),
                f.message("late", customer_id="cus_3"),
                f.message("keep", customer_id="cus_9"),
            ]
        )
        self.store.merges.save(f.merge_record("mrg_1", "cus_1", "cus_2"))
        self.store.merges.save(f.merge_record("mrg_2", "cus_2", "cus_3"))
        self.store.merges.save(f.merge_record("mrg_9", "cus_9", "cus_8"))
        self.store.suggestions.save(f.suggestion("sug_1", ("cus_1", "cus_9")))
        self.store.suggestions.save(f.suggestion("sug_9", ("cus_8", "cus_9")))
        report = self.store.erase_customer("cus_1")
        assert (report.customers, report.interactions, report.merges, report.suggestions) == (
            3,
            2,
            2,
            1,
        )
        for gone in ("cus_1", "cus_2", "cus_3"):
            with _raises(NotFound):
                self.store.customers.get(gone)
        assert self.store.merges.count() == 1
        assert _ids(self.store.suggestions.for_customer("cus_9")) == ["sug_9"]
        assert self._timeline("cus_9") == ["keep"]

    def test_erasing_a_merged_profile_erases_the_person_it_became(self) -> None:
        self.store.customers.save(f.customer("cus_1"))
        self.store.customers.save(f.customer("cus_2", merged_into="cus_1"))
        self.store.customers.save(f.customer("cus_9"))
        self.store.interactions.append_many(
            [
                f.message("m1"),
                f.message("m2", customer_id="cus_2"),
                f.message("k", customer_id="cus_9"),
            ]
        )
        self.store.merges.save(f.merge_record("mrg_1", "cus_1", "cus_2"))
        report = self.store.erase_customer("cus_2")
        assert report.customer_id == "cus_2"
        assert (report.customers, report.interactions, report.merges) == (2, 2, 1)
        assert _ids(c for chunk in self.store.customers.scan() for c in chunk) == ["cus_9"]

    def test_erasure_inside_a_failed_transaction_is_undone(self) -> None:
        self._erasure_world()
        with _raises(_Boom), self.store.transaction():
            self.store.erase_customer("cus_1")
            raise _Boom
        assert self.store.customers.get("cus_1").id == "cus_1"
        assert self.store.interactions.count() == 6
        assert _ids(self.store.cases.for_customer("cus_1")) == ["k1", "k2"]

    def test_erased_ids_can_be_written_again(self) -> None:
        self._erasure_world()
        self.store.erase_customer("cus_1")
        assert self.store.interactions.append(f.message("m1", body="fresh start")) is True
        assert self.store.customers.save(f.customer("cus_1")).version == 1

    def test_interactions_known_only_by_customer_id_are_erased_too(self) -> None:
        self.store.interactions.append_many([f.message("m1"), f.survey("s1")])
        report = self.store.erase_customer("cus_1")
        assert (report.customers, report.interactions) == (0, 2)
        assert self.store.interactions.count() == 0

    # == the access log ==========================================================

    def test_access_record_then_get_returns_it_and_counts(self) -> None:
        full = _access(
            "acc_1",
            case_id="k1",
            purpose="audit",
            channel="phone",
            fields_shown=("name", "timeline"),
            fields_withheld=("email",),
            redactions=3,
        )
        assert self.store.access_log.record(full) is True
        assert self.store.access_log.record(_access("acc_2", customer_id=None)) is True
        got = self.store.access_log.get("acc_1")
        assert got == full
        assert got.to_json() == full.to_json()
        assert self.store.access_log.get("acc_2").customer_id is None
        assert self.store.access_log.count() == 2
        with _raises(NotFound) as caught:
            self.store.access_log.get("acc_zz")
        assert (caught[0].kind, caught[0].id) == ("access record", "acc_zz")

    def test_recording_an_access_again_is_a_no_op(self) -> None:
        plus_two = timezone(timedelta(hours=2))
        assert self.store.access_log.record(_access("acc_1", at=f.T0)) is True
        assert self.store.access_log.record(_access("acc_1", at=f.T0)) is False
        # The same instant written with another UTC offset is the same content.
        assert (
            self.store.access_log.record(_access("acc_1", at=f.T0.astimezone(plus_two))) is False
        )
        assert self.store.access_log.count() == 1

    def test_access_record_with_other_content_conflicts_and_keeps_the_original(self) -> None:
        self.store.access_log.record(_access("acc_1", fields_shown=("name",)))
        for changed in (
            _access("acc_1", fields_shown=("name", "email")),
            _access("acc_1", fields_shown=("name",), viewer_id="agt_9"),
            _access("acc_1", fields_shown=("name",), at=f.minutes(1)),
        ):
            with _raises(ConflictError) as caught:
                self.store.access_log.record(changed)
            assert (caught[0].kind, caught[0].id) == ("access record", "acc_1")
        assert self.store.access_log.get("acc_1").fields_shown == ("name",)
        assert self.store.access_log.get("acc_1").viewer_id == "agt_1"
        assert self.store.access_log.count() == 1
        assert _ids(self.store.access_log.for_viewer("agt_9")) == []

    def test_access_pages_cover_everything_once_by_customer_and_by_viewer(self) -> None:
        records = [
            _access(
                f"acc_{i:02d}",
                at=f.minutes(i % 7),
                customer_id=f"cus_{i % 2}",
                viewer_id=f"agt_{i % 3}",
            )
            for i in range(31)
        ]
        for record in reversed(records):
            self.store.access_log.record(record)

        def walk(method: Callable[..., Page[Any]], owner: str) -> tuple[list[str], int]:
            seen: list[str] = []
            cursor: str | None = None
            pages = 0
            while True:
                page = method(owner, limit=4, cursor=cursor)
                assert isinstance(page, Page)
                assert len(page.items) <= 4
                seen += _ids(page.items)
                pages += 1
                cursor = page.next_cursor
                if cursor is None:
                    return seen, pages

        def expected(keep: Callable[[AccessRecord], bool]) -> list[str]:
            return _ids(
                sorted((r for r in records if keep(r)), key=lambda r: (r.occurred_at, r.id))
            )

        for customer in ("cus_0", "cus_1"):
            seen, pages = walk(self.store.access_log.for_customer, customer)
            want = expected(lambda r, c=customer: r.customer_id == c)  # type: ignore[misc]
            assert seen == want
            assert pages == -(-len(want) // 4)
        for viewer in ("agt_0", "agt_1", "agt_2"):
            seen, _ = walk(self.store.access_log.for_viewer, viewer)
            assert seen == expected(lambda r, v=viewer: r.viewer_id == v)  # type: ignore[misc]
        assert self.store.access_log.for_customer("nobody").items == ()
        assert self.store.access_log.for_viewer("nobody").next_cursor is None

    def test_access_log_orders_by_instant_across_utc_offsets(self) -> None:
        tokyo = timezone(timedelta(hours=9))
        new_york = timezone(timedelta(hours=-5))
        self.store.access_log.record(_access("utc9", at=f.T0))
        # 10:00 in Tokyo is 01:00 UTC; 03:59 in New York is 08:59 UTC.
        self.store.access_log.record(_access("tokyo10", at=f.T0.replace(hour=10, tzinfo=tokyo)))
        self.store.access_log.record(
            _access("ny", at=f.T0.replace(hour=3, minute=59, tzinfo=new_york))
        )
        self.store.access_log.record(_access("b-same", at=f.T0.astimezone(tokyo)))
        want = ["tokyo10", "ny", "b-same", "utc9"]
        assert _ids(self.store.access_log.for_customer("cus_1")) == want
        assert _ids(self.store.access_log.for_viewer("agt_1")) == want
        assert [r.id for c in self.store.access_log.scan() for r in c] == want
        start = f.T0.astimezone(tokyo)  # the same instant as 09:00 UTC
        assert [r.id for c in self.store.access_log.scan(start) for r in c] == ["b-same", "utc9"]

    def test_access_scan_streams_a_half_open_range_in_chunks(self) -> None:
        for i in range(20):
            self.store.access_log.record(
                _access(f"acc_{i:02d}", at=f.minutes(i // 2), customer_id=f"c{i}")
            )
        chunks = list(self.store.access_log.scan(f.minutes(2), f.minutes(7), chunk_size=3))
        assert [r.id for chunk in chunks for r in chunk] == [f"acc_{i:02d}" for i in range(4, 14)]
        assert [len(c) for c in chunks] == [3, 3, 3, 1]
        stream = self.store.access_log.scan(chunk_size=8)
        assert len(next(iter(stream))) == 8
        assert [len(c) for c in stream] == [8, 4]
        assert [len(c) for c in self.store.access_log.scan(chunk_size=10)] == [10, 10]
        assert list(self.store.access_log.scan(f.minutes(100))) == []

    def test_access_log_rejects_bad_input(self) -> None:
        with _raises(InvalidInput) as caught:
            self.store.access_log.record(_access("acc_1").to_dict())  # type: ignore[arg-type]
        assert caught[0].field == "access record"
        assert self.store.access_log.count() == 0
        for limit in (0, 10_001, True):
            with _raises(InvalidInput) as bad_limit:
                self.store.access_log.for_customer("cus_1", limit=limit)
            assert bad_limit[0].field == "limit"
        with _raises(InvalidInput) as bad_cursor:
            self.store.access_log.for_viewer("agt_1", cursor="not-a-cursor")
        assert bad_cursor[0].field == "cursor"
        naive = datetime(2026, 1, 5, 9, 0)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"start": naive}, "start"),
            ({"end": naive}, "end"),
            ({"start": f.minutes(5), "end": f.minutes(1)}, "end"),
            ({"chunk_size": 0}, "chunk_size"),
        ]
        for kwargs, field in cases:
            with _raises(InvalidInput) as bad_scan:
                next(iter(self.store.access_log.scan(**kwargs)), None)
            assert bad_scan[0].field == field, kwargs

    # == the notification outbox ==================================================

    def test_outbox_add_stores_version_one_and_round_trips_every_field(self) -> None:
        plus_two = timezone(timedelta(hours=2))
        entry = _entry(
            "k1",
            channel="email",
            to="ada@example.com",
            subject="Your case moved — ça continue",
            body="We will call you in 5 minutes. 📞\nReply STOP to opt out.",
            case_id="case_1",
            not_before=f.minutes(5).astimezone(plus_two),
            deadline=f.minutes(60),
        )
        assert self.store.outbox.add(entry) is True
        stored = self.store.outbox.get("k1")
        assert stored == entry.model_copy(update={"version": 1})
        assert stored.not_before == f.minutes(5)
        sent = _sent(_claimed(stored, "w1", f.minutes(10)), f.minutes(6))
        assert sent.attempts[0].provider_message_id == "pm-1"
        saved = self.store.outbox.save(sent)
        assert saved.version == 2
        assert self.store.outbox.get("k1") == saved
        with _raises(NotFound) as caught:
            self.store.outbox.get("k_zz")
        assert (caught[0].kind, caught[0].id) == ("outbox entry", "k_zz")

    def test_adding_the_same_message_again_is_a_no_op_whatever_its_status(self) -> None:
        entry = _entry("k1")
        assert self.store.outbox.add(entry) is True
        assert self.store.outbox.add(_entry("k1")) is False
        sent = self.store.outbox.save(_sent(self.store.outbox.get("k1"), f.minutes(1)))
        # Retrying the enqueue after delivery must not queue it again.
        assert self.store.outbox.add(_entry("k1")) is False
        assert self.store.outbox.get("k1") == sent
        assert self.store.outbox.count() == 1
        assert self.store.outbox.due(f.minutes(60)) == []

    def test_another_message_under_a_stored_key_conflicts(self) -> None:
        self.store.outbox.add(_entry("k1", body="first"))
        for changed in (
            _entry("k1", body="second"),
            _entry("k1", body="first", to="+442079460000"),
            _entry("k1", body="first", channel="whatsapp"),
            _entry("k1", body="first", subject="Hello"),
            _entry("k1", body="first", customer_id="cus_2"),
            _entry("k1", body="first", case_id="case_9"),
        ):
            with _raises(ConflictError) as caught:
                self.store.outbox.add(changed)
            assert (caught[0].kind, caught[0].id) == ("outbox entry", "k1")
        assert self.store.outbox.get("k1") == _entry("k1", body="first", version=1)

    def test_outbox_add_takes_only_new_entries(self) -> None:
        with _raises(InvalidInput) as caught:
            self.store.outbox.add(_entry("k1", version=1))
        assert (caught[0].field, caught[0].value) == ("version", 1)
        with _raises(InvalidInput):
            self.store.outbox.add(_entry("k2").to_dict())  # type: ignore[arg-type]
        assert self.store.outbox.count() == 0

    def test_outbox_save_is_optimistic_and_needs_a_stored_key(self) -> None:
        self.store.outbox.add(_entry("k1"))
        read_by_one = self.store.outbox.get("k1")
        read_by_two = self.store.outbox.get("k1")
        winner = self.store.outbox.save(_claimed(read_by_one, "w1", f.minutes(5)))
        assert winner.version == 2
        with _raises(ConflictError) as caught:
            self.store.outbox.save(_claimed(read_by_two, "w2", f.minutes(5)))
        assert (caught[0].kind, caught[0].id) == ("outbox entry", "k1")
        assert self.store.outbox.get("k1").lease_owner == "w1"
        with _raises(NotFound) as missing:
            self.store.outbox.save(_entry("ghost"))
        assert missing[0].id == "ghost"
        with _raises(NotFound):
            self.store.outbox.save(_entry("ghost", version=3))
        with _raises(NotFound):
            self.store.outbox.get("ghost")

    def test_outbox_message_fields_never_change(self) -> None:
        self.store.outbox.add(_entry("k1", subject="Update"))
        stored = self.store.outbox.get("k1")
        for field, value in (
            ("channel", "whatsapp"),
            ("to", "+442079460000"),
            ("subject", None),
            ("body", "Something else"),
            ("customer_id", "cus_2"),
            ("case_id", "case_9"),
        ):
            with _raises(ConflictError) as caught:
                self.store.outbox.save(stored.model_copy(update={field: value}))
            assert caught[0].id == "k1", field
        assert self.store.outbox.get("k1") == stored
        # Everything else moves on.
        later = self.store.outbox.save(
            stored.model_copy(update={"status": OutboxStatus.FAILED, "not_before": f.minutes(9)})
        )
        assert (later.status, later.version) == (OutboxStatus.FAILED, 2)

    def test_due_takes_pending_entries_whose_time_has_come(self) -> None:
        self.store.outbox.add(_entry("now", at=f.minutes(0)))
        self.store.outbox.add(_entry("later", at=f.minutes(0), not_before=f.minutes(10)))
        self.store.outbox.add(_entry("exact", at=f.minutes(0), not_before=f.minutes(5)))
        # Created after the asking time without not_before: pending, so due.
        self.store.outbox.add(_entry("created-later", at=f.minutes(7)))
        for key, status in (("sent", OutboxStatus.SENT), ("failed", OutboxStatus.FAILED)):
            self.store.outbox.add(_entry(key, at=f.minutes(-10)))
            stored = self.store.outbox.get(key)
            if status is OutboxStatus.SENT:
                self.store.outbox.save(_sent(stored, f.minutes(-9)))
            else:
                self.store.outbox.save(stored.model_copy(update={"status": status}))
        assert _keys(self.store.outbox.due(f.minutes(4))) == ["now", "created-later"]
        assert _keys(self.store.outbox.due(f.minutes(5))) == ["now", "exact", "created-later"]
        assert _keys(self.store.outbox.due(f.minutes(10))) == [
            "now",
            "exact",
            "created-later",
            "later",
        ]

    def test_due_takes_over_expired_leases_only(self) -> None:
        for key in ("live", "expired", "exact"):
            self.store.outbox.add(_entry(key, at=f.minutes(0)))
        lease = {"live": f.minutes(30), "expired": f.minutes(3), "exact": f.minutes(10)}
        for key, until in lease.items():
            self.store.outbox.save(_claimed(self.store.outbox.get(key), "w1", until))
        assert _keys(self.store.outbox.due(f.minutes(2))) == []
        assert _keys(self.store.outbox.due(f.minutes(10))) == ["exact", "expired"]
        taken = self.store.outbox.due(f.minutes(10))[0]
        assert (taken.status, taken.lease_owner) == (OutboxStatus.SENDING, "w1")
        assert _keys(self.store.outbox.due(f.minutes(30))) == ["exact", "expired", "live"]

    def test_due_orders_by_not_before_or_creation_then_key_and_limits(self) -> None:
        tokyo = timezone(timedelta(hours=9))
        self.store.outbox.add(_entry("d", at=f.minutes(3)))
        self.store.outbox.add(_entry("c", at=f.minutes(0), not_before=f.minutes(2)))
        self.store.outbox.add(_entry("b", at=f.minutes(2).astimezone(tokyo)))
        self.store.outbox.add(_entry("a", at=f.minutes(2)))
        self.store.outbox.add(_entry("z", at=f.minutes(1).astimezone(tokyo)))
        self.store.outbox.add(_entry("y", at=f.minutes(-5)))
        self.store.outbox.save(_claimed(self.store.outbox.get("y"), "w1", f.minutes(0)))
        order = ["y", "z", "a", "b", "c", "d"]
        assert _keys(self.store.outbox.due(f.minutes(10))) == order
        assert _keys(self.store.outbox.due(f.minutes(10), limit=3)) == order[:3]
        assert _keys(self.store.outbox.due(f.minutes(10), limit=1)) == ["y"]
        naive = datetime(2026, 1, 5, 9, 0)
        with _raises(InvalidInput) as caught:
            self.store.outbox.due(naive)
        assert caught[0].field == "now"
        for limit in (0, 10_001, True):
            with _raises(InvalidInput) as bad:
                self.store.outbox.due(f.minutes(10), limit=limit)
            assert bad[0].field == "limit"

    def test_outbox_lists_by_customer_and_counts_by_status(self) -> None:
        self.store.outbox.add(_entry("k3", at=f.minutes(1)))
        self.store.outbox.add(_entry("k2", at=f.minutes(1)))
        self.store.outbox.add(_entry("k1", at=f.minutes(2)))
        self.store.outbox.add(_entry("other", customer_id="cus_2"))
        self.store.outbox.add(_entry("anonymous", customer_id=None))
        self.store.outbox.save(_sent(self.store.outbox.get("k1"), f.minutes(3)))
        self.store.outbox.save(_claimed(self.store.outbox.get("k2"), "w1", f.minutes(9)))
        assert _keys(self.store.outbox.for_customer("cus_1")) == ["k2", "k3", "k1"]
        assert _keys(self.store.outbox.for_customer("cus_2")) == ["other"]
        assert self.store.outbox.for_customer("nobody") == []
        assert self.store.outbox.count() == 5
        assert self.store.outbox.count("pending") == 3
        assert self.store.outbox.count(OutboxStatus.SENT) == 1
        assert self.store.outbox.count("sending") == 1
        assert self.store.outbox.count("failed") == 0
        with _raises(InvalidInput) as caught:
            self.store.outbox.count("maybe")
        assert caught[0].field == "status"

    def _outbox_history(self) -> list[str]:
        """Entries of every status, saved up to twice, created out of key order
        (in several UTC offsets); returns their keys in scan order."""
        tokyo = timezone(timedelta(hours=9))
        new_york = timezone(timedelta(hours=-5))
        created = {
            "a-late": f.minutes(9),
            "b-sent": f.minutes(1).astimezone(tokyo),
            "c-first": f.minutes(-3).astimezone(new_york),
            "d-failed": f.minutes(4),
            "e-claimed": f.minutes(1),  # ties with b-sent: the key breaks it
            "f-waiting": f.minutes(2),
            "g-retried": f.minutes(7).astimezone(tokyo),
        }
        # Held back past the others: the scan goes by creation, not by due time.
        not_before = {"c-first": f.minutes(30), "f-waiting": f.minutes(3)}
        for key, at in created.items():
            self.store.outbox.add(_entry(key, at=at, not_before=not_before.get(key)))
        self.store.outbox.save(_sent(self.store.outbox.get("b-sent"), f.minutes(3)))
        failed = self.store.outbox.get("d-failed")
        self.store.outbox.save(failed.model_copy(update={"status": OutboxStatus.FAILED}))
        self.store.outbox.save(_claimed(self.store.outbox.get("e-claimed"), "w1", f.minutes(9)))
        retried = self.store.outbox.save(
            _claimed(self.store.outbox.get("g-retried"), "w1", f.minutes(9))
        )
        self.store.outbox.save(_sent(retried, f.minutes(10)))  # version 3
        return ["c-first", "b-sent", "e-claimed", "f-waiting", "d-failed", "g-retried", "a-late"]

    def test_outbox_scan_streams_every_status_by_creation_then_key_in_chunks(self) -> None:
        order = self._outbox_history()
        chunks = list(self.store.outbox.scan(chunk_size=2))
        scanned = [e for chunk in chunks for e in chunk]
        assert _keys(scanned) == order
        assert [len(c) for c in chunks] == [2, 2, 2, 1]
        assert {e.status for e in scanned} == set(OutboxStatus)
        # Each entry once, in its latest saved state.
        for entry in scanned:
            assert entry == self.store.outbox.get(entry.key), entry.key
        versions = {e.key: e.version for e in scanned}
        assert (versions["g-retried"], versions["b-sent"], versions["a-late"]) == (3, 2, 1)
        assert scanned[-2].status is OutboxStatus.SENT
        assert scanned[-2].sent_at == f.minutes(10)
        assert _keys(e for c in self.store.outbox.scan(chunk_size=7) for e in c) == order
        assert [len(c) for c in self.store.outbox.scan(chunk_size=7)] == [7]
        assert [len(c) for c in self.store.outbox.scan(chunk_size=10_000)] == [7]

    def test_outbox_scan_is_lazy_and_ends_cleanly(self) -> None:
        assert list(self.store.outbox.scan()) == []
        for i in range(6):
            self.store.outbox.add(_entry(f"k{i}", at=f.minutes(i)))
        stream = self.store.outbox.scan(chunk_size=3)
        first = next(iter(stream))
        assert _keys(first) == ["k0", "k1", "k2"]
        assert [_keys(c) for c in stream] == [["k3", "k4", "k5"]]

    def test_outbox_scan_takes_a_half_open_range_of_instants(self) -> None:
        for i in range(20):
            self.store.outbox.add(_entry(f"k{i:02d}", at=f.minutes(i // 2)))
        # Created before the range, due inside it: the bounds are on created_at.
        self.store.outbox.add(_entry("early", at=f.minutes(-1), not_before=f.minutes(3)))
        chunks = list(self.store.outbox.scan(f.minutes(2), f.minutes(7), chunk_size=3))
        assert [_keys(c) for c in chunks] == [
            ["k04", "k05", "k06"],
            ["k07", "k08", "k09"],
            ["k10", "k11", "k12"],
            ["k13"],
        ]
        first = next(iter(self.store.outbox.scan(end=f.minutes(1))))
        assert _keys(first) == ["early", "k00", "k01"]
        assert list(self.store.outbox.scan(f.minutes(100))) == []
        assert list(self.store.outbox.scan(f.minutes(3), f.minutes(3))) == []
        # Bounds are instants: the same moment in another offset is the same bound.
        tokyo = timezone(timedelta(hours=9))
        start, end = f.minutes(9).astimezone(tokyo), f.minutes(2).astimezone(tokyo)
        assert [_keys(c) for c in self.store.outbox.scan(start)] == [["k18", "k19"]]
        assert [_keys(c) for c in self.store.outbox.scan(None, end)] == [
            ["early", "k00", "k01", "k02", "k03"]
        ]

    def test_outbox_scan_rejects_bad_arguments(self) -> None:
        self.store.outbox.add(_entry("k1"))
        naive = datetime(2026, 1, 5, 9, 0)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"start": naive}, "start"),
            ({"end": naive}, "end"),
            ({"start": f.minutes(5), "end": f.minutes(1)}, "end"),
            ({"chunk_size": 0}, "chunk_size"),
            ({"chunk_size": -1}, "chunk_size"),
            ({"chunk_size": 10_001}, "chunk_size"),
            ({"chunk_size": True}, "chunk_size"),
        ]
        for kwargs, field in cases:
            with _raises(InvalidInput) as caught:
                next(iter(self.store.outbox.scan(**kwargs)), None)
            assert (caught[0].field, caught[0].value) == (field, kwargs[field]), kwargs

    def test_outbox_scan_follows_erasure_and_rolled_back_transactions(self) -> None:
        self.store.outbox.add(_entry("theirs", at=f.minutes(1)))
        self.store.outbox.add(_entry("other", at=f.minutes(2), customer_id="cus_2"))
        before = self.store.outbox.get("theirs")
        with _raises(_Boom), self.store.transaction():
            self.store.outbox.add(_entry("new", at=f.minutes(0)))
            self.store.outbox.save(_sent(before, f.minutes(3)))
            assert _keys(e for c in self.store.outbox.scan() for e in c) == [
                "new",
                "theirs",
                "other",
            ]
            raise _Boom
        assert [list(c) for c in self.store.outbox.scan()] == [
            [before, self.store.outbox.get("other")]
        ]
        self.store.erase_customer("cus_1")
        assert _keys(e for c in self.store.outbox.scan() for e in c) == ["other"]

    def test_racing_claims_on_one_entry_have_one_winner(self) -> None:
        self.store.outbox.add(_entry("k1"))
        copies = {f"w{n}": self.store.outbox.get("k1") for n in range(6)}
        barrier = threading.Barrier(len(copies))
        won: list[str] = []
        lost: list[str] = []
        errors: list[BaseException] = []

        def claim(owner: str, copy: OutboxEntry) -> None:
            barrier.wait(timeout=30)
            try:
                self.store.outbox.save(_claimed(copy, owner, f.minutes(5)))
                won.append(owner)
            except ConflictError:
                lost.append(owner)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=claim, args=item) for item in copies.items()]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert len(won) == 1
        assert len(lost) == len(copies) - 1
        stored = self.store.outbox.get("k1")
        assert (stored.lease_owner, stored.version) == (won[0], 2)

    def test_second_handle_sees_the_outbox_and_the_access_log(self) -> None:
        other = self._second()
        self.store.outbox.add(_entry("k1"))
        mine = self.store.outbox.get("k1")
        theirs = other.outbox.get("k1")
        assert theirs == mine
        other.outbox.save(_claimed(theirs, "w2", f.minutes(5)))
        with _raises(ConflictError):
            self.store.outbox.save(_claimed(mine, "w1", f.minutes(5)))
        assert other.outbox.add(_entry("k1")) is False
        self.store.access_log.record(_access("acc_1"))
        assert other.access_log.record(_access("acc_1")) is False
        with _raises(ConflictError):
            other.access_log.record(_access("acc_1", redactions=1))

    def test_erasure_removes_outbox_entries_and_keeps_access_records(self) -> None:
        self._erasure_world()
        self.store.outbox.add(_entry("theirs", at=f.minutes(1)))
        self.store.outbox.add(_entry("their-case", customer_id=None, case_id="k1"))
        self.store.outbox.add(_entry("merged-profile", customer_id="cus_1m"))
        self.store.customers.save(f.customer("cus_1m", merged_into="cus_1"))
        self.store.outbox.save(_sent(self.store.outbox.get("theirs"), f.minutes(2)))
        self.store.outbox.add(_entry("someone-else", customer_id="cus_2", case_id="k9"))
        self.store.access_log.record(_access("acc_1", case_id="k1"))
        self.store.access_log.record(_access("acc_2", at=f.minutes(1), viewer_id="agt_2"))
        self.store.access_log.record(_access("acc_9", customer_id="cus_2"))
        report = self.store.erase_customer("cus_1")
        assert report.notifications == 3
        assert report.total == 10 + 1 + 3  # the world, the merged profile, the notifications
        assert self.store.outbox.for_customer("cus_1") == []
        for gone in ("theirs", "their-case", "merged-profile"):
            with _raises(NotFound):
                self.store.outbox.get(gone)
        assert _keys(self.store.outbox.for_customer("cus_2")) == ["someone-else"]
        assert self.store.outbox.count() == 1
        # Who looked at the customer stays on record: ids and field names only.
        assert _ids(self.store.access_log.for_customer("cus_1")) == ["acc_1", "acc_2"]
        assert self.store.access_log.count() == 3
        assert self.store.access_log.get("acc_1").case_id == "k1"
        assert self.store.erase_customer("cus_1").notifications == 0

    def test_failed_transaction_rolls_back_the_access_log_and_the_outbox(self) -> None:
        self.store.outbox.add(_entry("k0"))
        self.store.outbox.add(_entry("theirs"))
        self.store.access_log.record(_access("acc_0"))
        before = self.store.outbox.get("k0")
        with _raises(_Boom), self.store.transaction():
            self.store.access_log.record(_access("acc_1"))
            self.store.outbox.add(_entry("k1"))
            self.store.outbox.save(_claimed(before, "w1", f.minutes(5)))
            self.store.erase_customer("cus_1")
            assert self.store.outbox.count() == 0
            raise _Boom
        assert self.store.access_log.count() == 1
        with _raises(NotFound):
            self.store.access_log.get("acc_1")
        assert _ids(self.store.access_log.for_customer("cus_1")) == ["acc_0"]
        assert _keys(self.store.outbox.for_customer("cus_1")) == ["k0", "theirs"]
        assert self.store.outbox.get("k0") == before
        assert _keys(self.store.outbox.due(f.minutes(10))) == ["k0", "theirs"]
        # After the rollback the same writes go through again.
        assert self.store.access_log.record(_access("acc_1")) is True
        assert self.store.outbox.add(_entry("k1")) is True

    def test_a_failed_outbox_or_access_write_inside_a_transaction_leaves_nothing(self) -> None:
        self.store.outbox.add(_entry("k1", body="first"))
        self.store.access_log.record(_access("acc_1"))
        stale = self.store.outbox.get("k1")
        with self.store.transaction():
            self.store.outbox.add(_entry("k2"))
            self.store.outbox.save(_claimed(stale, "w1", f.minutes(5)))
            with _raises(ConflictError):
                self.store.outbox.add(_entry("k1", body="second"))
            with _raises(ConflictError):
                self.store.outbox.save(_claimed(stale, "w2", f.minutes(5)))
            with _raises(ConflictError):
                self.store.access_log.record(_access("acc_1", redactions=2))
            self.store.access_log.record(_access("acc_2"))
        assert _keys(self.store.outbox.for_customer("cus_1")) == ["k1", "k2"]
        assert self.store.outbox.get("k1").lease_owner == "w1"
        assert self.store.outbox.get("k1").body == "first"
        assert self.store.access_log.get("acc_1").redactions == 0
        assert self.store.access_log.count() == 2

    # == lifecycle ==============================================================

    def test_closed_store_refuses_use(self) -> None:
        self.store.close()
        with _raises(StoreError):
            self.store.interactions.count()
        with _raises(StoreError):
            self.store.customers.save(f.customer())
        self.store.close()  # closing twice is harmless

    def test_store_is_a_context_manager_that_closes(self) -> None:
        with self.store as same:
            same.interactions.append(f.message("m1"))
        with _raises(StoreError):
            self.store.interactions.count()

    def test_store_satisfies_the_protocols(self) -> None:
        from omnicontext.storage import (
            AccessLog,
            CaseRepository,
            CustomerRepository,
            InteractionLog,
            MergeLog,
            Outbox,
            SuggestionRepository,
        )

        assert isinstance(self.store, Store)
        assert isinstance(self.store.customers, CustomerRepository)
        assert isinstance(self.store.cases, CaseRepository)
        assert isinstance(self.store.interactions, InteractionLog)
        assert isinstance(self.store.merges, MergeLog)
        assert isinstance(self.store.suggestions, SuggestionRepository)
        assert isinstance(self.store.access_log, AccessLog)
        assert isinstance(self.store.outbox, Outbox)

    # == concurrency ============================================================

    def test_threads_appending_overlapping_batches_store_the_union_once(self) -> None:
        batches = [
            [f.message(f"m{i}", at=f.minutes(i)) for i in range(start, start + 50)]
            for start in (0, 25, 50, 75)
        ]
        results: list[AppendResult] = []
        errors: list[BaseException] = []

        def work(batch: list[Interaction]) -> None:
            try:
                results.append(self.store.interactions.append_many(batch))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(b,)) for b in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert errors == []
        assert sum(r.added for r in results) == 125
        assert sum(r.duplicates for r in results) == 75
        assert self.store.interactions.count() == 125

    def test_second_handle_sees_writes_and_stale_saves_conflict(self) -> None:
        other = self._second()
        mine = self.store.customers.save(f.customer("cus_1"))
        theirs = other.customers.get("cus_1")
        assert theirs == mine
        other.customers.save(theirs.model_copy(update={"display_name": "Theirs"}))
        with _raises(ConflictError):
            self.store.customers.save(mine.model_copy(update={"display_name": "Mine"}))
        assert self.store.customers.get("cus_1").display_name == "Theirs"
        self.store.interactions.append(f.message("m1"))
        assert other.interactions.append(f.message("m1")) is False
        with _raises(ConflictError):
            other.interactions.append(f.message("m1", body="different"))

    # == generated records (hypothesis, when installed) =========================

    def test_generated_records_round_trip_through_the_store(self) -> None:
        try:
            from hypothesis import HealthCheck, given, settings
            from hypothesis import strategies as st

            from omnicontext.testing import strategies as gen
        except ImportError:  # pragma: no cover - hypothesis is optional
            raise unittest.SkipTest("hypothesis is not installed") from None

        @settings(
            max_examples=40,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(
            items=st.lists(gen.interactions(), max_size=8, unique_by=lambda i: i.id),
            customer=gen.customers(),
            case=gen.cases(),
        )
        def check(items: list[Interaction], customer: Customer, case: Any) -> None:
            store = self.make_store()
            try:
                assert store.interactions.append_many(items).added == len(items)
                for item in items:
                    assert store.interactions.get(item.id) == item
                scanned = [i for chunk in store.interactions.scan(chunk_size=3) for i in chunk]
                assert scanned == sorted(items, key=lambda i: (i.occurred_at, i.id))
                saved = store.customers.save(customer.model_copy(update={"version": 0}))
                assert store.customers.get(customer.id) == saved
                kept = store.cases.save(case.model_copy(update={"version": 0}))
                assert store.cases.get(case.id) == kept
            finally:
                store.close()

        check()
