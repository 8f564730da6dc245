from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.errors import ConflictError, InvalidInput, StoreError, UnknownChannel
from omnicontext.handoff.access import PACKET_FIELDS, AccessPolicy, Role, Viewer
from omnicontext.handoff.packet import prepare_handoff
from omnicontext.model import Interaction, Takeover
from omnicontext.model.access import AccessRecord
from omnicontext.model.notification import DeliveryAttempt, OutboxEntry
from omnicontext.risk.compliance import (
    ERASURE_PURPOSE,
    RESIDUE_CAP,
    ErasureRequest,
    ErasureState,
    RetentionPolicy,
    ViolationKind,
    access_summary,
    access_violations,
    compliance_report,
    erase_customer_recorded,
    erasure_check,
    retention_check,
    who_accessed,
)
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.storage.protocols import AccessLog
from omnicontext.testing import factories as f

T0 = f.T0
DAY = timedelta(days=1)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    made: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "c.db")
    yield made
    made.close()


def _look(
    id: str,
    *,
    viewer: str = "ag_1",
    role: str = "agent",
    customer: str | None = "cus_1",
    case: str | None = "case_1",
    at: datetime = T0,
    shown: tuple[str, ...] = ("customer", "case", "history"),
    purpose: str = "handoff",
) -> AccessRecord:
    return AccessRecord(
        id=id,
        occurred_at=at,
        viewer_id=viewer,
        viewer_role=role,
        customer_id=customer,
        case_id=case,
        purpose=purpose,
        fields_shown=shown,
    )


def _seed_case(store: Store) -> None:
    """cus_1 with case_1, worked by ag_1: a customer message, then ag_1's reply."""
    store.customers.save(f.customer("cus_1", identities=[f.identity("email", "ada@example.com")]))
    store.cases.save(f.case("case_1", "cus_1"))
    store.interactions.append(f.message("m1", at=T0, case_id="case_1", customer_id="cus_1"))
    store.interactions.append(
        f.message(
            "m2",
            at=T0 + timedelta(minutes=5),
            case_id="case_1",
            customer_id="cus_1",
            direction="outbound",
        )
    )


# -- access_summary / who_accessed ----------------------------------------------------------


def test_summary_counts_records_viewers_customers_roles_and_purposes(store: Store) -> None:
    looks = [
        _look("a1", viewer="ag_1", customer="cus_1", at=T0),
        _look("a2", viewer="ag_2", customer="cus_1", at=T0 + timedelta(minutes=1)),
        _look("a3", viewer="ag_1", customer="cus_1", at=T0 + timedelta(minutes=2)),
        _look("a4", viewer="ctr_1", role="contractor", customer="cus_2", at=T0 + DAY),
        _look("a5", viewer="sup_1", role="supervisor", customer=None, case=None, purpose="audit"),
    ]
    for look in looks:
        store.access_log.record(look)
    summary = access_summary(store, top=2)
    assert (summary.records, summary.viewers, summary.customers) == (5, 4, 2)
    assert summary.by_role == {"agent": 3, "contractor": 1, "supervisor": 1}
    assert summary.by_purpose == {"audit": 1, "handoff": 4}
    assert [(c.customer_id, c.records, c.viewers, c.roles) for c in summary.top_customers] == [
        ("cus_1", 3, 2, ("agent",)),
        ("cus_2", 1, 1, ("contractor",)),
    ]
    assert [(v.viewer_id, v.records, v.customers) for v in summary.top_viewers] == [
        ("ag_1", 2, 1),
        ("ag_2", 1, 1),  # ties broken by id: ag_2 < ctr_1 < sup_1
    ]
    assert str(summary) == "5 access records by 4 viewers on 2 customers"

    bounded = access_summary(store, start=T0 + timedelta(minutes=1), end=T0 + DAY, top=0)
    assert (bounded.records, bounded.viewers, bounded.customers) == (2, 2, 1)
    assert bounded.top_customers == ()
    assert bounded.top_viewers == ()


def test_who_accessed_pages_to_the_end_or_the_limit(store: Store) -> None:
    with store.transaction():
        for n in range(1205):  # more than one page of for_customer
            store.access_log.record(_look(f"a{n:04d}", at=T0 + timedelta(seconds=n)))
        store.access_log.record(_look("other", customer="cus_2"))
    every = who_accessed(store, "cus_1")
    assert [r.id for r in every] == [f"a{n:04d}" for n in range(1205)]
    assert [r.id for r in who_accessed(store, "cus_1", limit=3)] == ["a0000", "a0001", "a0002"]
    assert len(who_accessed(store, "cus_1", limit=1001)) == 1001
    assert who_accessed(store, "nobody") == []
    with pytest.raises(InvalidInput) as caught:
        who_accessed(store, "cus_1", limit=0)
    assert (caught.value.field, caught.value.value) == ("limit", 0)


# -- access_violations ----------------------------------------------------------------------


def test_a_contractor_shown_identities_is_a_violation(store: Store) -> None:
    _seed_case(store)
    # A packet built under a too-generous policy: the contractor got everything.
    generous = AccessPolicy.default().with_role(Role("contractor", PACKET_FIELDS))
    packet = prepare_handoff(
        store,
        "case_1",
        to_channel="chat",
        viewer=Viewer("ag_1", "contractor"),
        at=T0 + timedelta(minutes=10),
        policy=generous,
    )
    found = access_violations(store)  # judged against the default policy
    assert [(v.kind, v.record_id) for v in found] == [
        (ViolationKind.FIELDS_BEYOND_ROLE, packet.access_id)
    ]
    assert found[0].detail == "saw identities, notes: not allowed for contractor"
    assert (found[0].viewer_id, found[0].customer_id, found[0].case_id) == (
        "ag_1",
        "cus_1",
        "case_1",
    )
    assert access_violations(store, generous) == []


def test_a_packet_built_under_the_policy_is_no_violation(store: Store) -> None:
    _seed_case(store)
    prepare_handoff(
        store, "case_1", to_channel="chat", viewer=Viewer("ag_1", "contractor"), at=T0 + DAY
    )
    prepare_handoff(store, "case_1", to_channel="phone", viewer=Viewer("ag_1", "agent"), at=T0)
    assert store.access_log.count() == 2
    assert access_violations(store) == []


def test_field_names_with_suffixes_belong_to_their_part(store: Store) -> None:
    _seed_case(store)
    store.access_log.record(
        _look("a1", role="bot", viewer="bot_1", shown=("history[2].text", "flags.vip", "email"))
    )
    [violation] = access_violations(store)
    assert violation.kind is ViolationKind.FIELDS_BEYOND_ROLE
    assert violation.detail == "saw flags: not allowed for bot"


def test_an_unknown_role_is_a_violation(store: Store) -> None:
    store.access_log.record(_look("a1", viewer="int_1", role="intern", shown=("case",)))
    [violation] = access_violations(store)
    assert violation.kind is ViolationKind.UNKNOWN_ROLE
    assert violation.detail == (
        "role 'intern' is not in the access policy (known: agent, bot, contractor, supervisor)"
    )
    policy = AccessPolicy.default().with_role(Role("intern", {"case"}))
    assert access_violations(store, policy) == []


def test_an_agent_who_never_worked_the_case_has_no_case_link(store: Store) -> None:
    _seed_case(store)  # ag_1 wrote in case_1
    store.access_log.record(_look("own", viewer="ag_1", at=T0 + DAY))
    store.access_log.record(_look("stray", viewer="ag_9", at=T0 + DAY))
    store.access_log.record(_look("boss", viewer="sup_1", role="supervisor", at=T0 + DAY))
    found = access_violations(store)
    assert [(v.kind, v.record_id, v.viewer_id) for v in found] == [
        (ViolationKind.NO_CASE_LINK, "stray", "ag_9")
    ]
    assert found[0].detail.startswith("never assigned to case case_1, never wrote in it")
    assert access_violations(store, relationship_roles=()) == []
    assert [v.record_id for v in access_violations(store, relationship_roles="supervisor")] == [
        "boss"
    ]


@pytest.mark.parametrize(
    ("after", "linked"), [(timedelta(hours=2), True), (timedelta(hours=30), False)]
)
def test_an_assignment_within_the_grace_links_the_viewer(
    store: Store, after: timedelta, linked: bool
) -> None:
    _seed_case(store)
    look_at = T0 + DAY
    store.access_log.record(_look("pre", viewer="ag_new", at=look_at))
    store.interactions.append(
        f.assignment("as1", at=look_at + after, case_id="case_1", agent_id="ag_new")
    )
    found = access_violations(store)
    assert ([] if linked else ["pre"]) == [v.record_id for v in found]
    # A longer grace accepts the late assignment; no grace accepts only what came before.
    assert access_violations(store, link_grace=timedelta(hours=31)) == []
    assert [v.record_id for v in access_violations(store, link_grace=timedelta(0))] == ["pre"]


def test_a_takeover_links_the_agent_and_a_record_without_case_checks_the_customer_cases(
    store: Store,
) -> None:
    _seed_case(store)
    case = store.cases.get("case_1")
    takeover = Takeover(handoff_id="h1", agent_id="ag_tk", to_channel="phone", started_at=T0)
    store.cases.save(case.with_takeover(takeover))
    store.cases.save(f.case("case_2", "cus_1"))
    store.access_log.record(_look("tk", viewer="ag_tk", at=T0 + DAY))
    store.access_log.record(_look("any1", viewer="ag_1", case=None, at=T0 + DAY))
    store.access_log.record(_look("any9", viewer="ag_9", case=None, at=T0 + DAY))
    store.access_log.record(_look("gone", viewer="ag_9", customer="cus_x", case="case_gone"))
    found = access_violations(store)
    assert [(v.record_id, v.detail) for v in found] == [
        (
            "any9",
            "never assigned to any case of customer cus_1, never wrote in it, never took it "
            f"over (up to {(T0 + 2 * DAY).isoformat()})",
        )
    ]


def test_erasure_proofs_and_the_time_range_are_respected(store: Store) -> None:
    store.access_log.record(
        _look("e1", viewer="ag_9", role="intern", purpose=ERASURE_PURPOSE, shown=())
    )
    store.access_log.record(_look("u1", viewer="x", role="intern", at=T0 + DAY))
    assert [v.record_id for v in access_violations(store)] == ["u1"]
    assert access_violations(store, end=T0 + DAY) == []


def test_bad_arguments_name_the_field(store: Store) -> None:
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: access_violations(store, "strict"), "policy"),  # type: ignore[arg-type]
        (lambda: access_violations(store, link_grace=timedelta(-1)), "link_grace"),
        (lambda: access_violations(store, relationship_roles=[1]), "relationship_roles"),  # type: ignore[list-item]
        (lambda: access_summary(store, top=-1), "top"),
        (lambda: access_summary(store, chunk_size=0), "chunk_size"),
        (lambda: access_summary(store, start=T0 + DAY, end=T0), "end"),
        (lambda: erasure_check(store, ["cus_1"], as_of=T0), "requests[0]"),  # type: ignore[list-item]
        (lambda: erasure_check(store, as_of=T0, deadline=timedelta(0)), "deadline"),
        (lambda: erase_customer_recorded(store, " c ", by="s", at=T0), "customer_id"),
        (lambda: erase_customer_recorded(store, "c", by="s", role="Boss", at=T0), "role"),
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.field == field


# -- erasure --------------------------------------------------------------------------------


def test_erasure_is_recorded_in_the_same_transaction(store: Store) -> None:
    _seed_case(store)
    at = datetime(2026, 2, 1, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    report = erase_customer_recorded(store, "cus_1", by="sup_1", at=at)
    assert (report.customers, report.cases, report.interactions) == (1, 1, 2)
    [proof] = who_accessed(store, "cus_1")
    assert proof.id == "erasure-cus_1-20260201T090000000000Z"
    assert (proof.purpose, proof.viewer_id, proof.viewer_role) == (
        "erasure",
        "sup_1",
        "supervisor",
    )
    assert (proof.fields_shown, proof.case_id, proof.occurred_at) == ((), None, at)
    # Retried: the same proof, nothing more to erase, still one record.
    assert erase_customer_recorded(store, "cus_1", by="sup_1", at=at).total == 0
    assert store.access_log.count() == 1
    # The same request with other details is refused.
    erase_customer_recorded(store, "cus_1", by="sup_1", at=at, request_id="dsr-1")
    with pytest.raises(ConflictError):
        erase_customer_recorded(store, "cus_1", by="sup_2", at=at, request_id="dsr-1")


def test_no_copy_of_the_erased_data_stays_in_the_sqlite_files(tmp_path: Path) -> None:
    path = tmp_path / "erase.db"
    with SQLiteStore(path) as store:
        store.customers.save(f.customer("cus_1"))
        store.interactions.append(f.message("m1", customer_id="cus_1", body="SECRET-7781-BODY"))
        with sqlite3.connect(path) as other:  # the data is in the main file, not only the WAL
            other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        other.close()
        erase_customer_recorded(store, "cus_1", by="sup_1", at=T0 + DAY)
        files = sorted(tmp_path.glob("erase.db*"))
        assert files
        assert [p.name for p in files if b"SECRET-7781-BODY" in p.read_bytes()] == []
        assert store.access_log.get(f"erasure-cus_1-{T0 + DAY:%Y%m%dT%H%M%S%fZ}")


class _BrokenLog:
    """An access log whose writes fail."""

    def __init__(self, inner: AccessLog) -> None:
        self._inner = inner

    def record(self, entry: AccessRecord) -> bool:
        raise StoreError("access log unavailable")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _BrokenLogStore:
    """A store whose access log cannot be written; everything else is the real store."""

    def __init__(self, inner: Store) -> None:
        self._inner = inner
        self.access_log = _BrokenLog(inner.access_log)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_if_the_proof_cannot_be_written_nothing_is_erased(store: Store) -> None:
    _seed_case(store)
    broken: Any = _BrokenLogStore(store)
    with pytest.raises(StoreError, match="access log unavailable"):
        erase_customer_recorded(broken, "cus_1", by="sup_1", at=T0 + DAY)
    assert store.customers.get("cus_1").id == "cus_1"
    assert [c.id for c in store.cases.for_customer("cus_1")] == ["case_1"]
    assert store.interactions.count() == 2
    assert store.access_log.count() == 0


def test_a_naive_time_erases_nothing(store: Store) -> None:
    _seed_case(store)
    with pytest.raises(InvalidInput) as caught:
        erase_customer_recorded(store, "cus_1", by="sup_1", at=datetime(2026, 2, 1, 10, 0))
    assert caught.value.field == "at"
    assert store.interactions.count() == 2
    assert store.access_log.count() == 0


def test_request_states_at_as_of(store: Store) -> None:
    asked = T0
    for customer in ("cus_on_time", "cus_late", "cus_pending", "cus_overdue"):
        store.customers.save(f.customer(customer))
    erase_customer_recorded(store, "cus_on_time", by="sup_1", at=asked + 10 * DAY)
    erase_customer_recorded(store, "cus_late", by="sup_1", at=asked + 45 * DAY)
    erase_customer_recorded(store, "cus_unasked", by="sup_1", at=asked + 2 * DAY)
    # An erasure before the request does not answer it.
    erase_customer_recorded(store, "cus_overdue", by="sup_1", at=asked - DAY)
    requests = [
        ErasureRequest("cus_on_time", asked, id="r1"),
        ErasureRequest("cus_late", asked, id="r2"),
        ErasureRequest("cus_pending", asked + 40 * DAY, id="r3"),
        ErasureRequest("cus_overdue", asked, id="r4"),
    ]
    check = erasure_check(store, requests, as_of=asked + 50 * DAY)
    assert [(s.customer_id, s.state) for s in check.statuses] == [
        ("cus_on_time", ErasureState.COMPLETED),
        ("cus_late", ErasureState.LATE),
        ("cus_pending", ErasureState.PENDING),
        ("cus_overdue", ErasureState.OVERDUE),
        ("cus_overdue", ErasureState.COMPLETED),  # the earlier erasure, no request
        ("cus_unasked", ErasureState.COMPLETED),
    ]
    on_time, late, pending, overdue, early, unasked = check.statuses
    assert (on_time.completed_at, on_time.deadline) == (asked + 10 * DAY, asked + 30 * DAY)
    assert late.completed_at == asked + 45 * DAY
    assert (pending.completed_at, pending.deadline, pending.residue) == (
        None,
        asked + 70 * DAY,
        {},
    )
    assert overdue.record_id is None
    assert (early.request, early.deadline) == (None, None)
    assert unasked.record_id == f"erasure-cus_unasked-{(asked + 2 * DAY):%Y%m%dT%H%M%S%fZ}"
    assert all(s.clean for s in check.statuses)
    assert check.counts == {
        ErasureState.COMPLETED: 3,
        ErasureState.LATE: 1,
        ErasureState.PENDING: 1,
        ErasureState.OVERDUE: 1,
    }
    assert not check.ok
    # Earlier, the late one was still pending, and the on-time one not yet done.
    earlier = erasure_check(store, requests[:2], as_of=asked + 5 * DAY)
    assert [s.state for s in earlier.statuses[:2]] == [ErasureState.PENDING] * 2
    # A longer deadline makes the late one on time.
    longer = erasure_check(store, requests[1:2], as_of=asked + 50 * DAY, deadline=60 * DAY)
    assert longer.statuses[0].state is ErasureState.COMPLETED


def test_residue_after_an_erasure_is_a_failure(store: Store) -> None:
    _seed_case(store)
    erase_customer_recorded(store, "cus_1", by="sup_1", at=T0 + DAY, request_id="dsr-9")
    request = ErasureRequest("cus_1", T0)
    assert erasure_check(store, [request], as_of=T0 + 2 * DAY).ok
    # Data under the erased id comes back: an import replayed, a late sync.
    store.interactions.append(f.message("back", at=T0 + 2 * DAY, customer_id="cus_1"))
    store.outbox.add(
        OutboxEntry(
            key="n1",
            channel="email",
            to="ada@example.com",
            body="Your case is solved.",
            customer_id="cus_1",
            created_at=T0 + 2 * DAY,
        )
    )
    check = erasure_check(store, [request], as_of=T0 + 3 * DAY)
    [status] = check.statuses
    assert status.state is ErasureState.COMPLETED
    assert status.record_id == "erasure-dsr-9"
    assert status.residue == {"customers": 0, "cases": 0, "interactions": 1, "notifications": 1}
    assert not status.clean
    assert check.residue_failures == (status,)
    assert not check.ok
    assert "residue: interactions 1, notifications 1" in str(status)


def test_residue_counts_interactions_up_to_the_cap() -> None:
    store = MemoryStore()
    erase_customer_recorded(store, "cus_1", by="sup_1", at=T0)
    store.interactions.append_many(
        f.message(f"m{n}", at=T0 + timedelta(minutes=n + 1)) for n in range(RESIDUE_CAP + 5)
    )
    [status] = erasure_check(store, as_of=T0 + DAY).statuses
    assert status.residue["interactions"] == RESIDUE_CAP


# -- retention ------------------------------------------------------------------------------


def _finished(store: Store, key: str, created: datetime, *, status: str, done: datetime) -> None:
    store.outbox.add(
        OutboxEntry(key=key, channel="sms", to="+442079460958", body="Hi", created_at=created)
    )
    stored = store.outbox.get(key)
    update: dict[str, Any] = {"status": status}
    if status == "sent":
        update |= {"sent_at": done, "provider": "twilio"}
    elif status == "failed":
        update |= {
            "attempts": [
                DeliveryAttempt(
                    provider="twilio", started_at=done, finished_at=done, outcome="failed"
                )
            ]
        }
    store.outbox.save(OutboxEntry.model_validate({**stored.model_dump(), **update}))


def test_retention_counts_per_channel_with_an_override(store: Store) -> None:
    as_of = T0 + 1000 * DAY
    records: list[Interaction] = [
        f.call("c_old", at=as_of - 400 * DAY, customer_id="cus_1"),  # phone, past 365 d
        f.call("c_older", at=as_of - 500 * DAY, customer_id="cus_2"),
        f.call("c_new", at=as_of - 300 * DAY, customer_id="cus_1"),  # within 365 d
        f.message("e_old", at=as_of - 800 * DAY, channel="email", customer_id="cus_3"),
        f.message("e_mid", at=as_of - 500 * DAY, channel="email", customer_id="cus_3"),
        f.message("ch_old", at=as_of - 731 * DAY, channel="chat", case_id="case_z"),
        f.message("edge", at=as_of - 730 * DAY, channel="chat", customer_id="cus_4"),
    ]
    store.interactions.append_many(records)
    policy = RetentionPolicy.from_dict({"default_days": 730, "channels": {"phone": 365}})
    report = retention_check(store, policy, as_of=as_of)
    assert [(c.channel, c.records, c.oldest) for c in report.channels] == [
        ("chat", 1, as_of - 731 * DAY),
        ("email", 1, as_of - 800 * DAY),
        ("phone", 2, as_of - 500 * DAY),
    ]
    assert [c.period.days for c in report.channels] == [730, 730, 365]
    assert (report.interactions, report.customers, report.notifications) == (4, 3, 0)
    assert not report.ok
    # No limit on phone, none by default: only email is limited.
    only_email = RetentionPolicy(channels={"email": 600 * DAY, "phone": None})
    report = retention_check(store, only_email, as_of=as_of)
    assert [(c.channel, c.records) for c in report.channels] == [("email", 1)]
    assert retention_check(store, RetentionPolicy(), as_of=as_of).ok


def test_retention_of_finished_notifications(store: Store) -> None:
    as_of = T0 + 200 * DAY
    _finished(store, "sent_old", T0, status="sent", done=T0 + DAY)
    _finished(store, "failed_old", T0 + DAY, status="failed", done=T0 + 2 * DAY)
    # Created long ago but finished within the period: kept.
    _finished(store, "sent_late", T0, status="sent", done=as_of - 10 * DAY)
    store.outbox.add(  # still pending: not finished, kept whatever its age
        OutboxEntry(key="pending", channel="sms", to="+442079460958", body="Hi", created_at=T0)
    )
    _finished(store, "sent_new", as_of - DAY, status="sent", done=as_of - DAY)
    report = retention_check(store, RetentionPolicy(notifications=90 * DAY), as_of=as_of)
    assert (report.notifications, report.oldest_notification) == (2, T0 + DAY)
    assert report.interactions == 0
    assert str(report) == "0 interactions past retention, 2 notifications, 0 customers affected"


def test_retention_policy_input_errors_name_the_field() -> None:
    with pytest.raises(InvalidInput) as caught:
        RetentionPolicy.from_dict(
            {"default_days": 0, "channels": {"phone": "a year"}, "keep": True}
        )
    assert [e.field for e in caught.value.errors] == ["keep", "default_days", "channels.phone"]
    with pytest.raises(InvalidInput, match="notifications"):
        RetentionPolicy(notifications=timedelta(days=-1))
    assert RetentionPolicy.from_dict({"channels": {"sms": None}}).period("sms") is None
    policy = RetentionPolicy.from_dict({"default_days": 730, "channels": {"phone": 365.5}})
    assert RetentionPolicy.from_dict(policy.to_dict()) == policy
    with pytest.raises(UnknownChannel) as unknown:
        retention_check(MemoryStore(), RetentionPolicy(channels={"phon": DAY}), as_of=T0)
    assert unknown.value.field == "channels.phon"


# -- naive times, JSON ----------------------------------------------------------------------


NAIVE = datetime(2026, 1, 5, 9, 0)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda s: access_summary(s, start=NAIVE), "start"),
        (lambda s: access_violations(s, end=NAIVE), "end"),
        (lambda s: erasure_check(s, as_of=NAIVE), "as_of"),
        (lambda s: ErasureRequest("cus_1", NAIVE), "requested_at"),
        (lambda s: retention_check(s, RetentionPolicy(), as_of=NAIVE), "as_of"),
        (lambda s: compliance_report(s, as_of=NAIVE), "as_of"),
        (lambda s: compliance_report(s, as_of=T0, start=NAIVE), "start"),
    ],
)
def test_naive_datetimes_are_rejected(store: Store, call: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        call(store)
    assert (caught.value.field, caught.value.value) == (field, NAIVE)
    assert "timezone-aware" in str(caught.value)


def test_the_report_is_json_ready_and_says_what_is_wrong(store: Store) -> None:
    _seed_case(store)
    store.access_log.record(_look("stray", viewer="ag_9", at=T0 + DAY))
    store.access_log.record(_look("later", viewer="ag_9", at=T0 + 30 * DAY))  # after as_of
    store.interactions.append(f.call("c_old", at=T0 - 400 * DAY, customer_id="cus_2"))
    erase_customer_recorded(store, "cus_3", by="sup_1", at=T0 + 2 * DAY)
    report = compliance_report(
        store,
        as_of=T0 + 10 * DAY,
        erasure_requests=[ErasureRequest("cus_3", T0), ErasureRequest("cus_4", T0)],
        retention=RetentionPolicy(channels={"phone": 365 * DAY}),
    )
    data = json.loads(json.dumps(report.to_dict()))
    assert data["as_of"] == (T0 + 10 * DAY).isoformat()
    assert data["ok"] is False
    assert data["access"]["records"] == 2  # stray and the erasure proof; not the later look
    assert data["violation_counts"] == {
        "unknown_role": 0,
        "fields_beyond_role": 0,
        "no_case_link": 1,
    }
    assert data["violations"][0]["record_id"] == "stray"
    assert data["violations"][0]["occurred_at"] == (T0 + DAY).isoformat()
    assert data["erasure"]["counts"] == {"completed": 1, "late": 0, "pending": 1, "overdue": 0}
    assert data["erasure"]["statuses"][0]["completed_at"] == (T0 + 2 * DAY).isoformat()
    assert data["retention"]["channels"] == [
        {
            "channel": "phone",
            "period_days": 365.0,
            "records": 1,
            "oldest": (T0 - 400 * DAY).isoformat(),
        }
    ]
    assert str(report).splitlines() == [
        f"compliance as of {(T0 + 10 * DAY).isoformat()}: action needed",
        "access: 2 access records by 2 viewers on 2 customers",
        "violations: 1 (no_case_link 1)",
        "erasure: 2 erasures (1 completed, 1 pending); residue in 0",
        "retention: 1 interaction past retention (phone 1), 0 notifications, 1 customer affected",
    ]
    empty = compliance_report(MemoryStore(), as_of=T0)
    assert empty.ok
    assert empty.retention is None
    assert json.loads(json.dumps(empty.to_dict()))["retention"] is None


# -- properties -----------------------------------------------------------------------------


_records = st.lists(
    st.tuples(
        st.sampled_from(["ag_1", "ag_2", "ctr_1", "sup_1"]),
        st.sampled_from(["agent", "contractor", "supervisor", "intern"]),
        st.sampled_from(["cus_1", "cus_2", "cus_3", None]),
        st.sampled_from(["handoff", "audit", "erasure"]),
        st.integers(0, 10_000),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_records, top=st.integers(0, 5), chunk=st.integers(1, 7), cut=st.integers(0, 10_000))
def test_summary_equals_a_brute_force_count(
    rows: list[tuple[str, str, str | None, str, int]], top: int, chunk: int, cut: int
) -> None:
    store = MemoryStore()
    records = [
        AccessRecord(
            id=f"r{n}",
            occurred_at=T0 + timedelta(minutes=minute),
            viewer_id=viewer,
            viewer_role=role,
            customer_id=customer,
            purpose=purpose,
        )
        for n, (viewer, role, customer, purpose, minute) in enumerate(rows)
    ]
    for record in records:
        store.access_log.record(record)
    start = T0 + timedelta(minutes=cut)
    summary = access_summary(store, start=start, top=top, chunk_size=chunk)
    kept = [r for r in records if r.occurred_at >= start]
    assert summary.records == len(kept)
    assert summary.viewers == len({r.viewer_id for r in kept})
    assert summary.customers == len({r.customer_id for r in kept if r.customer_id})
    assert summary.by_role == dict(Counter(r.viewer_role for r in kept))
    assert summary.by_purpose == dict(Counter(r.purpose for r in kept))
    per_customer = Counter(r.customer_id for r in kept if r.customer_id)
    expected = sorted(per_customer, key=lambda c: (-per_customer[c], c))[:top]
    assert [c.customer_id for c in summary.top_customers] == expected
    for c in summary.top_customers:
        mine = [r for r in kept if r.customer_id == c.customer_id]
        assert c.records == len(mine)
        assert c.viewers == len({r.viewer_id for r in mine})
        assert c.roles == tuple(sorted({r.viewer_role for r in mine}))
    per_viewer = Counter(r.viewer_id for r in kept)
    assert [v.viewer_id for v in summary.top_viewers] == sorted(
        per_viewer, key=lambda v: (-per_viewer[v], v)
    )[:top]
    for v in summary.top_viewers:
        theirs = [r for r in kept if r.viewer_id == v.viewer_id]
        assert v.records == len(theirs)
        assert v.customers == len({r.customer_id for r in theirs if r.customer_id})
        assert v.roles == tuple(sorted({r.viewer_role for r in theirs}))


@settings(max_examples=40, deadline=None)
@given(
    requested=st.integers(0, 100),
    done=st.one_of(st.none(), st.integers(0, 100)),
    as_of=st.integers(0, 100),
)
def test_erasure_state_follows_the_definitions(
    requested: int, done: int | None, as_of: int
) -> None:
    store = MemoryStore()
    if done is not None:
        erase_customer_recorded(store, "cus_1", by="sup_1", at=T0 + done * DAY)
    request = ErasureRequest("cus_1", T0 + requested * DAY)
    state = erasure_check(store, [request], as_of=T0 + as_of * DAY).statuses[0].state
    if done is not None and requested <= done <= as_of:
        assert state is (ErasureState.COMPLETED if done - requested <= 30 else ErasureState.LATE)
    else:
        assert state is (ErasureState.PENDING if as_of - requested <= 30 else ErasureState.OVERDUE)


def test_times_with_other_offsets_compare_as_instants(store: Store) -> None:
    paris = timezone(timedelta(hours=2))
    store.access_log.record(_look("a1", at=datetime(2026, 6, 1, 11, 0, tzinfo=paris)))
    assert access_summary(store, start=datetime(2026, 6, 1, 9, 0, tzinfo=UTC)).records == 1
    assert access_summary(store, start=datetime(2026, 6, 1, 9, 1, tzinfo=UTC)).records == 0
