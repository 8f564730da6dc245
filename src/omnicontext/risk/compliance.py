"""Compliance checks: who looked at which customer's context and whether they
were allowed to, whether erasure requests were carried out in time and
completely, and whether records are kept longer than the retention policy says.

Every check reads the store through its protocols, streaming: the access log
through :meth:`~omnicontext.storage.protocols.AccessLog.scan`, old interactions
through :meth:`~omnicontext.storage.protocols.InteractionLog.scan`, finished
notifications through ``Outbox.scan``. Each result is an attrs value object
with ``to_dict()`` (JSON-ready, times in ISO-8601) and a short ``str()``.

- :func:`access_summary` and :func:`who_accessed`: who accessed whose context;
- :func:`access_violations`: records the :class:`~omnicontext.handoff.access.AccessPolicy`
  does not allow (:class:`ViolationKind`);
- :func:`erase_customer_recorded` and :func:`erasure_check`: erasure with proof
  in the access log, and requests checked against their deadline (GDPR
  article 12(3): one month, 30 days by default) and for residue;
- :func:`retention_check`: interactions and notifications past their
  :class:`RetentionPolicy` period;
- :func:`compliance_report`: all of it at once (:class:`ComplianceReport`).

>>> from omnicontext.model.access import AccessRecord
>>> from omnicontext.storage import MemoryStore
>>> store = MemoryStore()
>>> _ = store.access_log.record(AccessRecord(id="acc_1",
...     occurred_at=datetime(2026, 6, 12, 9, 30, tzinfo=UTC), viewer_id="ctr_7",
...     viewer_role="contractor", customer_id="cus_1", case_id="case_1",
...     fields_shown=("customer", "identities", "history")))
>>> [str(v) for v in access_violations(store, relationship_roles=())]
['fields_beyond_role: contractor ctr_7 on cus_1/case_1 at 2026-06-12T09:30:00+00:00:
  saw identities: not allowed for contractor']
"""

from __future__ import annotations

import bisect
import enum
import hashlib
import heapq
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput, NotFound, UnknownChannel
from omnicontext.handoff.access import PACKET_FIELDS, AccessPolicy
from omnicontext.model.access import AccessRecord
from omnicontext.model.channels import current_channels
from omnicontext.model.notification import OutboxEntry, OutboxStatus
from omnicontext.storage.protocols import ErasureReport, Store

__all__ = [
    "ERASURE_PURPOSE",
    "RESIDUE_CAP",
    "AccessSummary",
    "AccessViolation",
    "ChannelRetention",
    "ComplianceReport",
    "CustomerAccess",
    "ErasureCheck",
    "ErasureRequest",
    "ErasureState",
    "ErasureStatus",
    "RetentionPolicy",
    "RetentionReport",
    "ViewerAccess",
    "ViolationKind",
    "access_summary",
    "access_violations",
    "compliance_report",
    "erase_customer_recorded",
    "erasure_check",
    "retention_check",
    "who_accessed",
]

ERASURE_PURPOSE = "erasure"
"""The ``purpose`` of the access record that proves an erasure: it shows no
content, so the access checks skip it and :func:`erasure_check` reads it."""

RESIDUE_CAP = 100
"""Interactions left after an erasure are counted up to this many: a residue
of ``100`` interactions means at least 100 (one is already a failure)."""

_SUBJECT = "compliance check"
_PAGE = 1000
_MAX_CHUNK = 10_000
_TICK = timedelta(microseconds=1)
_MAX_ID = 256
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
_PART = re.compile(r"[.\[]")
_FINISHED = frozenset({OutboxStatus.SENT, OutboxStatus.FAILED})
_DAY = timedelta(days=1)


# -- argument checks ------------------------------------------------------------------------


def _invalid(field: str, value: object, reason: str, subject: str = _SUBJECT) -> InvalidInput:
    return InvalidInput(subject, [FieldError(field, value, reason)])


def _aware(value: object, field: str, subject: str = _SUBJECT) -> datetime:
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise _invalid(
            field,
            value,
            "a timezone-aware datetime is required (naive times are never guessed)",
            subject,
        )
    return value


def _range(start: object, end: object) -> tuple[datetime | None, datetime | None]:
    lo = None if start is None else _aware(start, "start")
    hi = None if end is None else _aware(end, "end")
    if lo is not None and hi is not None and hi < lo:
        raise _invalid("end", end, "is before start")
    return lo, hi


def _count(value: object, field: str, minimum: int, maximum: int | None = None) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < minimum
        or (maximum is not None and value > maximum)
    ):
        bound = f"{minimum}..{maximum}" if maximum is not None else f">= {minimum}"
        raise _invalid(field, value, f"must be an integer {bound}")
    return value


def _chunk(value: object) -> int:
    return _count(value, "chunk_size", 1, _MAX_CHUNK)


def _id(value: object, field: str, subject: str = _SUBJECT) -> str:
    if not isinstance(value, str) or not value or value != value.strip() or len(value) > _MAX_ID:
        raise _invalid(
            field, value, "must be an id (1-256 characters, no surrounding spaces)", subject
        )
    return value


def _period(value: object, field: str, subject: str = _SUBJECT) -> timedelta:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise _invalid(field, value, "must be a timedelta > 0", subject)
    return value


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _days(span: timedelta | None) -> float | None:
    return None if span is None else span / _DAY


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


# -- who accessed whom ----------------------------------------------------------------------


@attrs.frozen
class CustomerAccess:
    """How often one customer's context was looked at, and by how many people.

    >>> str(CustomerAccess("cus_1", records=3, viewers=2, roles=("agent",)))
    'cus_1: 3 records by 2 viewers (agent)'
    """

    customer_id: str
    records: int
    viewers: int
    """Distinct viewers."""
    roles: tuple[str, ...]
    """The viewers' roles, sorted."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``customer_id``, ``records``, ``viewers``, ``roles``."""
        return {
            "customer_id": self.customer_id,
            "records": self.records,
            "viewers": self.viewers,
            "roles": list(self.roles),
        }

    def __str__(self) -> str:
        return (
            f"{self.customer_id}: {_plural(self.records, 'record')} by "
            f"{_plural(self.viewers, 'viewer')} ({', '.join(self.roles)})"
        )


@attrs.frozen
class ViewerAccess:
    """What one viewer looked at: how many records, how many customers.

    >>> str(ViewerAccess("ag_1", roles=("agent",), records=5, customers=4))
    'ag_1 (agent): 5 records on 4 customers'
    """

    viewer_id: str
    roles: tuple[str, ...]
    """Every role the viewer looked under, sorted (usually one)."""
    records: int
    customers: int
    """Distinct customers looked at."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``viewer_id``, ``roles``, ``records``, ``customers``."""
        return {
            "viewer_id": self.viewer_id,
            "roles": list(self.roles),
            "records": self.records,
            "customers": self.customers,
        }

    def __str__(self) -> str:
        return (
            f"{self.viewer_id} ({', '.join(self.roles)}): {_plural(self.records, 'record')} "
            f"on {_plural(self.customers, 'customer')}"
        )


@attrs.frozen
class AccessSummary:
    """Who accessed which customer's context between ``start`` and ``end``
    (:func:`access_summary`).

    Every record of the log counts, the proofs of erasure too (under
    ``by_purpose["erasure"]``). Records without a customer count in
    ``records`` and in the viewer figures only.
    """

    start: datetime | None
    end: datetime | None
    records: int
    viewers: int
    """Distinct viewers."""
    customers: int
    """Distinct customers looked at."""
    by_role: Mapping[str, int]
    """Records per viewer role, by role name."""
    by_purpose: Mapping[str, int]
    """Records per purpose (``handoff``, ``audit``, ``erasure``...), by name."""
    top_customers: tuple[CustomerAccess, ...]
    """The customers looked at most, most records first (ties by id)."""
    top_viewers: tuple[ViewerAccess, ...]
    """The viewers who looked most, most records first (ties by id)."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, times in ISO-8601."""
        return {
            "start": _iso(self.start),
            "end": _iso(self.end),
            "records": self.records,
            "viewers": self.viewers,
            "customers": self.customers,
            "by_role": dict(self.by_role),
            "by_purpose": dict(self.by_purpose),
            "top_customers": [c.to_dict() for c in self.top_customers],
            "top_viewers": [v.to_dict() for v in self.top_viewers],
        }

    def __str__(self) -> str:
        return (
            f"{_plural(self.records, 'access record')} by {_plural(self.viewers, 'viewer')} "
            f"on {_plural(self.customers, 'customer')}"
        )


def access_summary(
    store: Store,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    top: int = 10,
    chunk_size: int = 1000,
) -> AccessSummary:
    """Who accessed which customer's context: the records with
    ``start <= occurred_at < end`` (aware; ``None``: unbounded), counted.

    Streams ``store.access_log.scan``: memory grows with the distinct
    customers, viewers and customer-viewer pairs, never with the records.
    ``top`` (``0`` or more) bounds the customer and viewer lists.

    >>> from omnicontext.model.access import AccessRecord
    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> for n, (viewer, customer) in enumerate([("ag_1", "cus_1"), ("ag_2", "cus_1"),
    ...                                         ("ag_1", "cus_2")]):
    ...     _ = store.access_log.record(AccessRecord(id=f"acc_{n}", viewer_id=viewer,
    ...         viewer_role="agent", customer_id=customer,
    ...         occurred_at=datetime(2026, 6, 12, 9, n, tzinfo=UTC)))
    >>> summary = access_summary(store, top=1)
    >>> print(summary)
    3 access records by 2 viewers on 2 customers
    >>> str(summary.top_customers[0]), str(summary.top_viewers[0])
    ('cus_1: 2 records by 2 viewers (agent)', 'ag_1 (agent): 2 records on 2 customers')
    """
    lo, hi = _range(start, end)
    top = _count(top, "top", 0)
    chunk_size = _chunk(chunk_size)
    records = 0
    by_role: Counter[str] = Counter()
    by_purpose: Counter[str] = Counter()
    customer_records: Counter[str] = Counter()
    customer_roles: dict[str, set[str]] = {}
    viewer_records: Counter[str] = Counter()
    viewer_roles: dict[str, set[str]] = {}
    pairs: set[tuple[str, str]] = set()
    for chunk in store.access_log.scan(lo, hi, chunk_size=chunk_size):
        for record in chunk:
            records += 1
            by_role[record.viewer_role] += 1
            by_purpose[record.purpose] += 1
            viewer_records[record.viewer_id] += 1
            viewer_roles.setdefault(record.viewer_id, set()).add(record.viewer_role)
            if record.customer_id is not None:
                customer_records[record.customer_id] += 1
                customer_roles.setdefault(record.customer_id, set()).add(record.viewer_role)
                pairs.add((record.customer_id, record.viewer_id))
    customer_viewers = Counter(customer for customer, _ in pairs)
    viewer_customers = Counter(viewer for _, viewer in pairs)
    top_customers = heapq.nsmallest(top, customer_records, key=lambda c: (-customer_records[c], c))
    top_viewers = heapq.nsmallest(top, viewer_records, key=lambda v: (-viewer_records[v], v))
    return AccessSummary(
        start=lo,
        end=hi,
        records=records,
        viewers=len(viewer_records),
        customers=len(customer_records),
        by_role=dict(sorted(by_role.items())),
        by_purpose=dict(sorted(by_purpose.items())),
        top_customers=tuple(
            CustomerAccess(
                customer_id=c,
                records=customer_records[c],
                viewers=customer_viewers[c],
                roles=tuple(sorted(customer_roles[c])),
            )
            for c in top_customers
        ),
        top_viewers=tuple(
            ViewerAccess(
                viewer_id=v,
                roles=tuple(sorted(viewer_roles[v])),
                records=viewer_records[v],
                customers=viewer_customers[v],
            )
            for v in top_viewers
        ),
    )


def who_accessed(
    store: Store, customer_id: str, *, limit: int | None = None
) -> list[AccessRecord]:
    """Every access record of ``customer_id``, oldest first (by instant, then
    id), paging ``store.access_log.for_customer`` to the end, or the first
    ``limit`` (``1`` or more).

    >>> from omnicontext.model.access import AccessRecord
    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> _ = store.access_log.record(AccessRecord(id="acc_1", viewer_id="ag_1",
    ...     viewer_role="agent", customer_id="cus_1",
    ...     occurred_at=datetime(2026, 6, 12, 9, 30, tzinfo=UTC)))
    >>> [r.viewer_id for r in who_accessed(store, "cus_1")]
    ['ag_1']
    """
    customer_id = _id(customer_id, "customer_id")
    if limit is not None:
        limit = _count(limit, "limit", 1)
    found: list[AccessRecord] = []
    cursor: str | None = None
    while limit is None or len(found) < limit:
        want = _PAGE if limit is None else min(_PAGE, limit - len(found))
        page = store.access_log.for_customer(customer_id, limit=want, cursor=cursor)
        found.extend(page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    return found


# -- violations -----------------------------------------------------------------------------


class ViolationKind(enum.StrEnum):
    """What an :class:`AccessViolation` reports. Members are plain strings."""

    UNKNOWN_ROLE = "unknown_role"
    """The viewer's role is not in the access policy."""
    FIELDS_BEYOND_ROLE = "fields_beyond_role"
    """``fields_shown`` names a packet part the role may not see."""
    NO_CASE_LINK = "no_case_link"
    """An agent-type viewer saw a case they never worked: never assigned to it,
    never wrote in it, never took it over (within the grace after the look)."""


@attrs.frozen
class AccessViolation:
    """One access record the policy does not allow, and why (``detail``)."""

    kind: ViolationKind
    record_id: str
    viewer_id: str
    viewer_role: str
    customer_id: str | None
    case_id: str | None
    occurred_at: datetime
    detail: str
    """Why, in words: ``"saw identities, notes: not allowed for contractor"``."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, ``occurred_at`` in ISO-8601."""
        return {
            "kind": self.kind.value,
            "record_id": self.record_id,
            "viewer_id": self.viewer_id,
            "viewer_role": self.viewer_role,
            "customer_id": self.customer_id,
            "case_id": self.case_id,
            "occurred_at": self.occurred_at.isoformat(),
            "detail": self.detail,
        }

    def __str__(self) -> str:
        whose = "/".join(x for x in (self.customer_id, self.case_id) if x is not None) or "-"
        return (
            f"{self.kind.value}: {self.viewer_role} {self.viewer_id} on {whose} "
            f"at {self.occurred_at.isoformat()}: {self.detail}"
        )


def _violation(kind: ViolationKind, record: AccessRecord, detail: str) -> AccessViolation:
    return AccessViolation(
        kind=kind,
        record_id=record.id,
        viewer_id=record.viewer_id,
        viewer_role=record.viewer_role,
        customer_id=record.customer_id,
        case_id=record.case_id,
        occurred_at=record.occurred_at,
        detail=detail,
    )


def _part(field_name: str) -> str:
    """The packet part a shown field belongs to: ``"notes[2].body"`` -> ``"notes"``."""
    return _PART.split(field_name, maxsplit=1)[0]


class _Links:
    """When each agent first worked each case, read once per case."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._cases: dict[str, dict[str, datetime] | None] = {}
        self._customers: dict[str, tuple[str, ...]] = {}

    def case(self, case_id: str) -> dict[str, datetime] | None:
        """Agent id -> first link to the case; ``None`` when the store knows no such case."""
        if case_id in self._cases:
            return self._cases[case_id]
        first: dict[str, datetime] = {}
        known = False

        def link(agent_id: str | None, moment: datetime) -> None:
            if agent_id is not None and (agent_id not in first or moment < first[agent_id]):
                first[agent_id] = moment

        try:
            case = self._store.cases.get(case_id)
        except NotFound:
            pass
        else:
            known = True
            for takeover in case.takeovers:
                link(takeover.agent_id, takeover.started_at)
        cursor: str | None = None
        while True:
            page = self._store.interactions.case_timeline(case_id, limit=_PAGE, cursor=cursor)
            for item in page:
                known = True
                link(item.agent_id, item.occurred_at)
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        self._cases[case_id] = first if known else None
        return self._cases[case_id]

    def customer_cases(self, customer_id: str) -> tuple[str, ...]:
        if customer_id not in self._customers:
            cases = self._store.cases.for_customer(customer_id)
            self._customers[customer_id] = tuple(c.id for c in cases)
        return self._customers[customer_id]


def _no_link(record: AccessRecord, links: _Links, grace: timedelta) -> str | None:
    """Why ``record``'s viewer had no link to the case, or ``None`` (linked, or
    nothing left to judge by)."""
    if record.case_id is not None:
        case_ids: tuple[str, ...] = (record.case_id,)
        what = f"case {record.case_id}"
    elif record.customer_id is not None:
        case_ids = links.customer_cases(record.customer_id)
        what = f"any case of customer {record.customer_id}"
    else:
        return None
    horizon = record.occurred_at + grace
    judged = False
    for case_id in case_ids:
        agents = links.case(case_id)
        if agents is None:
            continue
        judged = True
        first = agents.get(record.viewer_id)
        if first is not None and first <= horizon:
            return None
    if not judged:
        return None
    return (
        f"never assigned to {what}, never wrote in it, never took it over "
        f"(up to {horizon.isoformat()})"
    )


def _roles(value: object) -> frozenset[str]:
    if isinstance(value, str):
        value = (value,)
    if not isinstance(value, Iterable):
        raise _invalid("relationship_roles", value, "must be role names")
    names = tuple(value)
    if not all(isinstance(n, str) for n in names):
        raise _invalid("relationship_roles", names, "must be role names")
    return frozenset(names)


def _policy(value: object) -> AccessPolicy:
    if value is None:
        return AccessPolicy.default()
    if not isinstance(value, AccessPolicy):
        raise _invalid("policy", value, "must be an AccessPolicy (or None for the default)")
    return value


def access_violations(
    store: Store,
    policy: AccessPolicy | None = None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    relationship_roles: Iterable[str] = ("agent", "contractor"),
    link_grace: timedelta = timedelta(hours=24),
    chunk_size: int = 1000,
) -> list[AccessViolation]:
    """The access records with ``start <= occurred_at < end`` that ``policy``
    (default :meth:`AccessPolicy.default`) does not allow, oldest first.

    A record whose role the policy lacks is :attr:`ViolationKind.UNKNOWN_ROLE`.
    A record whose ``fields_shown`` names a packet part the role may not see is
    :attr:`~ViolationKind.FIELDS_BEYOND_ROLE` (``"notes[2].body"`` belongs to
    ``notes``; names that are no packet part are not the policy's business).
    A viewer whose role is in ``relationship_roles`` must have worked the
    case: been assigned to it (an ``assignment``), written in it (any
    interaction of the case carrying their ``agent_id``, an answered call
    included) or taken it over (:attr:`Case.takeovers`); otherwise
    :attr:`~ViolationKind.NO_CASE_LINK`. A packet is built for the agent taking
    over, before they are assigned: a link up to ``link_grace`` after the look
    counts. A record without a case is checked against the customer's cases.
    A case the store no longer knows (the customer was erased since) cannot be
    judged and is passed over. Erasure proofs (purpose ``"erasure"``) show no
    content and are skipped.

    Each case is read once (``cases.get`` and its timeline), whatever the
    number of records on it; records are streamed.
    """
    policy = _policy(policy)
    lo, hi = _range(start, end)
    relationship = _roles(relationship_roles)
    if not isinstance(link_grace, timedelta) or link_grace < timedelta(0):
        raise _invalid("link_grace", link_grace, "must be a timedelta >= 0")
    chunk_size = _chunk(chunk_size)
    links = _Links(store)
    known = ", ".join(sorted(policy.roles)) or "none"
    found: list[AccessViolation] = []
    for chunk in store.access_log.scan(lo, hi, chunk_size=chunk_size):
        for record in chunk:
            if record.purpose == ERASURE_PURPOSE:
                continue
            role = policy.roles.get(record.viewer_role)
            if role is None:
                found.append(
                    _violation(
                        ViolationKind.UNKNOWN_ROLE,
                        record,
                        f"role {record.viewer_role!r} is not in the access policy "
                        f"(known: {known})",
                    )
                )
            else:
                shown = {_part(f) for f in record.fields_shown}
                beyond = [p for p in PACKET_FIELDS if p in shown and p not in role.fields]
                if beyond:
                    found.append(
                        _violation(
                            ViolationKind.FIELDS_BEYOND_ROLE,
                            record,
                            f"saw {', '.join(beyond)}: not allowed for {role.name}",
                        )
                    )
            if record.viewer_role in relationship:
                reason = _no_link(record, links, link_grace)
                if reason is not None:
                    found.append(_violation(ViolationKind.NO_CASE_LINK, record, reason))
    return found


# -- erasure --------------------------------------------------------------------------------


def _erasure_id(customer_id: str, at: datetime, request_id: str | None) -> str:
    if request_id is not None:
        name = f"erasure-{request_id}"
    else:
        stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"erasure-{customer_id}-{stamp}"
    if len(name) > _MAX_ID:
        digest = hashlib.sha256(name.encode()).hexdigest()[:40]
        name = f"erasure-{digest}"
    return name


def erase_customer_recorded(
    store: Store,
    customer_id: str,
    *,
    by: str,
    role: str = "supervisor",
    at: datetime,
    request_id: str | None = None,
) -> ErasureReport:
    """:meth:`Store.erase_customer` plus its proof in the access log, in one
    transaction: if either fails, nothing is erased and nothing recorded.

    The proof is an :class:`~omnicontext.model.access.AccessRecord` with purpose
    ``"erasure"``, viewer ``by`` in ``role``, the customer id and ``at``
    (aware), and no fields: the log keeps that the erasure happened, with no
    content. When the outermost transaction commits, SQLiteStore checkpoints
    its write-ahead log, so no copy of the erased data stays in the files.

    The proof's id is deterministic: ``erasure-<request_id>`` or
    ``erasure-<customer_id>-<at in UTC>`` (hashed when longer than an id may
    be), so a retried call writes no second proof; the same request recorded again with
    other details raises :class:`~omnicontext.errors.ConflictError` and erases
    nothing.

    >>> from omnicontext.model import Customer
    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> _ = store.customers.save(Customer(id="cus_1"))
    >>> at = datetime(2026, 6, 12, 9, 30, tzinfo=UTC)
    >>> erase_customer_recorded(store, "cus_1", by="sup_1", at=at, request_id="dsr-7").customers
    1
    >>> store.access_log.get("erasure-dsr-7").purpose
    'erasure'
    """
    customer_id = _id(customer_id, "customer_id")
    by = _id(by, "by")
    if not isinstance(role, str) or not _NAME.match(role):
        raise _invalid("role", role, "must be a role name")
    at = _aware(at, "at")
    if request_id is not None:
        request_id = _id(request_id, "request_id")
    record = AccessRecord(
        id=_erasure_id(customer_id, at, request_id),
        occurred_at=at,
        viewer_id=by,
        viewer_role=role,
        customer_id=customer_id,
        purpose=ERASURE_PURPOSE,
    )
    with store.transaction():
        report = store.erase_customer(customer_id)
        store.access_log.record(record)
    return report


@attrs.frozen
class ErasureRequest:
    """A data subject's request to erase ``customer_id``, received at
    ``requested_at`` (aware); ``id`` is the helpdesk's own reference.

    >>> ErasureRequest("cus_1", datetime(2026, 6, 1, 9, 0))
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid erasure request: requested_at=...: a timezone-aware...
    """

    customer_id: str
    requested_at: datetime
    id: str | None = None

    def __attrs_post_init__(self) -> None:
        _id(self.customer_id, "customer_id", "erasure request")
        _aware(self.requested_at, "requested_at", "erasure request")
        if self.id is not None:
            _id(self.id, "id", "erasure request")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``customer_id``, ``requested_at`` (ISO-8601), ``id``."""
        return {
            "customer_id": self.customer_id,
            "requested_at": self.requested_at.isoformat(),
            "id": self.id,
        }


class ErasureState(enum.StrEnum):
    """Where an erasure stands at the check's ``as_of``. Members are plain strings."""

    COMPLETED = "completed"
    """Done by the deadline (or done with no request to time it against)."""
    LATE = "late"
    """Done, after the deadline."""
    PENDING = "pending"
    """Not done yet; the deadline has not passed."""
    OVERDUE = "overdue"
    """Not done, and the deadline has passed."""


@attrs.frozen
class ErasureStatus:
    """One erasure request (or an erasure found in the log without one) at
    :attr:`ErasureCheck.as_of`.

    ``residue`` counts what the store still holds under ``customer_id`` after
    a completed erasure: ``customers`` (0 or 1), ``cases``, ``interactions``
    (up to :data:`RESIDUE_CAP`) and ``notifications`` (outbox entries). It is
    empty for an erasure not done yet.
    """

    request: ErasureRequest | None
    customer_id: str
    state: ErasureState
    completed_at: datetime | None
    deadline: datetime | None
    """``requested_at`` plus the allowed delay; ``None`` without a request."""
    residue: dict[str, int]
    record_id: str | None = None
    """The id of the access record that proves the erasure."""

    @property
    def clean(self) -> bool:
        """Nothing of the customer left (always true for an erasure not done yet).

        A completed erasure that is not clean is a failure: data came back
        under the id, or the erasure missed some.
        """
        return not any(self.residue.values())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, times in ISO-8601."""
        return {
            "request": None if self.request is None else self.request.to_dict(),
            "customer_id": self.customer_id,
            "state": self.state.value,
            "completed_at": _iso(self.completed_at),
            "deadline": _iso(self.deadline),
            "residue": dict(self.residue),
            "clean": self.clean,
            "record_id": self.record_id,
        }

    def __str__(self) -> str:
        text = f"{self.customer_id}: {self.state.value}"
        if self.completed_at is not None:
            text += f" at {self.completed_at.isoformat()}"
        if self.deadline is not None:
            text += f" (deadline {self.deadline.isoformat()})"
        left = [f"{what} {n}" for what, n in self.residue.items() if n]
        if left:
            text += f"; residue: {', '.join(left)}"
        return text


@attrs.frozen
class ErasureCheck:
    """Every erasure request and every erasure in the log, at ``as_of``
    (:func:`erasure_check`)."""

    as_of: datetime
    deadline: timedelta
    """The delay allowed after a request."""
    statuses: tuple[ErasureStatus, ...]
    """The requests in the order given, then erasures without a request, oldest first."""

    @property
    def counts(self) -> dict[ErasureState, int]:
        """How many statuses are in each state (every state listed)."""
        found = Counter(s.state for s in self.statuses)
        return {state: found[state] for state in ErasureState}

    @property
    def residue_failures(self) -> tuple[ErasureStatus, ...]:
        """Completed erasures whose customer id still has records."""
        return tuple(s for s in self.statuses if not s.clean)

    @property
    def ok(self) -> bool:
        """No request late or overdue and no residue."""
        counts = self.counts
        return not (
            counts[ErasureState.LATE] or counts[ErasureState.OVERDUE] or self.residue_failures
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``as_of``, ``deadline_days``, ``counts``, ``residue_failures``
        (customer ids), ``ok`` and ``statuses``."""
        return {
            "as_of": self.as_of.isoformat(),
            "deadline_days": _days(self.deadline),
            "counts": {state.value: n for state, n in self.counts.items()},
            "residue_failures": [s.customer_id for s in self.residue_failures],
            "ok": self.ok,
            "statuses": [s.to_dict() for s in self.statuses],
        }

    def __str__(self) -> str:
        counts = ", ".join(f"{n} {state.value}" for state, n in self.counts.items() if n)
        return (
            f"{_plural(len(self.statuses), 'erasure')} ({counts or 'none'}); "
            f"residue in {len(self.residue_failures)}"
        )


def _residue(store: Store, customer_id: str) -> dict[str, int]:
    try:
        store.customers.get(customer_id)
        customers = 1
    except NotFound:
        customers = 0
    return {
        "customers": customers,
        "cases": len(store.cases.for_customer(customer_id)),
        "interactions": len(
            store.interactions.customer_timeline(customer_id, limit=RESIDUE_CAP).items
        ),
        "notifications": len(store.outbox.for_customer(customer_id)),
    }


def erasure_check(
    store: Store,
    requests: Iterable[ErasureRequest] = (),
    *,
    as_of: datetime,
    deadline: timedelta = timedelta(days=30),
    chunk_size: int = 1000,
) -> ErasureCheck:
    """Each erasure request's state at ``as_of`` (aware), and what is left.

    Completed erasures are the access records with purpose ``"erasure"`` up to
    ``as_of`` (:func:`erase_customer_recorded` writes them; the log is
    scanned, and memory grows with those records only). A request is matched
    to the first erasure record of its customer at or after ``requested_at``;
    it is due ``deadline`` later (GDPR article 12(3) asks for an answer
    without undue delay and within one month: 30 days by default). Erasure
    records no request matched are listed too, as ``completed``. Every
    completed erasure is checked for residue (:class:`ErasureStatus`).

    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> june = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    >>> _ = erase_customer_recorded(store, "cus_1", by="sup_1", at=june + timedelta(days=3))
    >>> check = erasure_check(store, [ErasureRequest("cus_1", june),
    ...     ErasureRequest("cus_2", june)], as_of=june + timedelta(days=40))
    >>> [str(s.state) for s in check.statuses], check.ok
    (['completed', 'overdue'], False)
    """
    as_of = _aware(as_of, "as_of")
    deadline = _period(deadline, "deadline")
    chunk_size = _chunk(chunk_size)
    if isinstance(requests, ErasureRequest):
        requests = (requests,)
    if not isinstance(requests, Iterable):
        raise _invalid("requests", requests, "must be ErasureRequest objects")
    wanted = list(requests)
    for n, request in enumerate(wanted):
        if not isinstance(request, ErasureRequest):
            raise _invalid(f"requests[{n}]", request, "must be an ErasureRequest")
    done: dict[str, list[tuple[datetime, str]]] = {}
    for chunk in store.access_log.scan(None, as_of + _TICK, chunk_size=chunk_size):
        for record in chunk:
            if record.purpose == ERASURE_PURPOSE and record.customer_id is not None:
                done.setdefault(record.customer_id, []).append((record.occurred_at, record.id))
    residues: dict[str, dict[str, int]] = {}

    def residue(customer_id: str) -> dict[str, int]:
        if customer_id not in residues:
            residues[customer_id] = _residue(store, customer_id)
        return dict(residues[customer_id])

    statuses: list[ErasureStatus] = []
    used: set[str] = set()
    for request in wanted:
        due = request.requested_at + deadline
        erased = done.get(request.customer_id, [])
        at = bisect.bisect_left(erased, request.requested_at, key=lambda e: e[0])
        if at < len(erased):
            completed_at, record_id = erased[at]
            used.add(record_id)
            state = ErasureState.COMPLETED if completed_at <= due else ErasureState.LATE
            statuses.append(
                ErasureStatus(
                    request=request,
                    customer_id=request.customer_id,
                    state=state,
                    completed_at=completed_at,
                    deadline=due,
                    residue=residue(request.customer_id),
                    record_id=record_id,
                )
            )
        else:
            state = ErasureState.PENDING if as_of <= due else ErasureState.OVERDUE
            statuses.append(
                ErasureStatus(
                    request=request,
                    customer_id=request.customer_id,
                    state=state,
                    completed_at=None,
                    deadline=due,
                    residue={},
                )
            )
    unrequested = sorted(
        (moment, record_id, customer_id)
        for customer_id, erased in done.items()
        for moment, record_id in erased
        if record_id not in used
    )
    statuses.extend(
        ErasureStatus(
            request=None,
            customer_id=customer_id,
            state=ErasureState.COMPLETED,
            completed_at=moment,
            deadline=None,
            residue=residue(customer_id),
            record_id=record_id,
        )
        for moment, record_id, customer_id in unrequested
    )
    return ErasureCheck(as_of=as_of, deadline=deadline, statuses=tuple(statuses))


# -- retention ------------------------------------------------------------------------------


def _check_retention(policy: RetentionPolicy) -> None:
    errors: list[FieldError] = []
    for name, value in (("default", policy.default), ("notifications", policy.notifications)):
        if value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
            errors.append(FieldError(name, value, "must be a timedelta > 0 or None (no limit)"))
    if not isinstance(policy.channels, Mapping):
        errors.append(FieldError("channels", policy.channels, "must map channel names to periods"))
    else:
        for channel, value in policy.channels.items():
            if not isinstance(channel, str) or not channel:
                errors.append(FieldError("channels", channel, "must be a channel name"))
            elif value is not None and (not isinstance(value, timedelta) or value <= timedelta(0)):
                errors.append(
                    FieldError(
                        f"channels.{channel}", value, "must be a timedelta > 0 or None (no limit)"
                    )
                )
    if errors:
        raise InvalidInput("retention policy", errors)


def _from_days(value: object, field: str, errors: list[FieldError]) -> timedelta | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        errors.append(FieldError(field, value, "must be a number of days > 0, or null"))
        return None
    try:
        return timedelta(days=value)
    except OverflowError:
        errors.append(FieldError(field, value, "too many days"))
        return None


@attrs.frozen
class RetentionPolicy:
    """How long records are kept: interactions per channel, and finished
    notifications.

    ``default`` applies to every channel ``channels`` does not list; ``None``
    means no limit (also as a channel's period, to keep one channel forever).
    ``notifications`` applies to outbox entries that are finished (``sent`` or
    ``failed``), counted from when they finished.

    >>> policy = RetentionPolicy.from_dict(
    ...     {"default_days": 730, "channels": {"phone": 365}, "notifications_days": 90})
    >>> policy.period("phone").days, policy.period("email").days, policy.notifications.days
    (365, 730, 90)
    >>> RetentionPolicy(default=timedelta(0))
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid retention policy: default=datetime.timedelta(0): \
must be a timedelta > 0 or None (no limit)
    """

    default: timedelta | None = None
    channels: Mapping[str, timedelta | None] = attrs.field(factory=dict)
    notifications: timedelta | None = None

    def __attrs_post_init__(self) -> None:
        _check_retention(self)
        object.__setattr__(self, "channels", dict(self.channels))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetentionPolicy:
        """Read ``{"default_days": 730, "channels": {"phone": 365},
        "notifications_days": 90}`` (from TOML or JSON); every key optional,
        ``null`` meaning no limit."""
        if not isinstance(data, Mapping):
            raise InvalidInput("retention policy", [FieldError("policy", data, "must be a table")])
        errors: list[FieldError] = []
        unknown = sorted(
            str(k) for k in data if k not in {"default_days", "channels", "notifications_days"}
        )
        if unknown:
            errors.append(
                FieldError(
                    unknown[0],
                    data[unknown[0]],
                    "unknown key; expected default_days, channels, notifications_days",
                )
            )
        default = _from_days(data.get("default_days"), "default_days", errors)
        notifications = _from_days(data.get("notifications_days"), "notifications_days", errors)
        raw = data.get("channels", {})
        channels: dict[str, timedelta | None] = {}
        if not isinstance(raw, Mapping):
            errors.append(FieldError("channels", raw, "must be a table of channel: days"))
        else:
            for name, days in raw.items():
                channels[str(name)] = _from_days(days, f"channels.{name}", errors)
        if errors:
            raise InvalidInput("retention policy", errors)
        return cls(default=default, channels=channels, notifications=notifications)

    def period(self, channel: str) -> timedelta | None:
        """How long interactions on ``channel`` are kept (``None``: no limit)."""
        if channel in self.channels:
            return self.channels[channel]
        return self.default

    def to_dict(self) -> dict[str, Any]:
        """The :meth:`from_dict` form, in days."""
        return {
            "default_days": _days(self.default),
            "channels": {name: _days(p) for name, p in sorted(self.channels.items())},
            "notifications_days": _days(self.notifications),
        }


@attrs.frozen
class ChannelRetention:
    """Interactions on one channel kept past its period.

    >>> str(ChannelRetention("phone", timedelta(days=365), records=2,
    ...     oldest=datetime(2024, 1, 5, tzinfo=UTC)))
    'phone: 2 records past 365 days, oldest 2024-01-05T00:00:00+00:00'
    """

    channel: str
    period: timedelta
    records: int
    oldest: datetime
    """The oldest ``occurred_at`` among them."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``channel``, ``period_days``, ``records``, ``oldest``."""
        return {
            "channel": self.channel,
            "period_days": _days(self.period),
            "records": self.records,
            "oldest": self.oldest.isoformat(),
        }

    def __str__(self) -> str:
        return (
            f"{self.channel}: {_plural(self.records, 'record')} past "
            f"{_days(self.period):g} days, oldest {self.oldest.isoformat()}"
        )


@attrs.frozen
class RetentionReport:
    """What the store keeps past the :class:`RetentionPolicy` at ``as_of``
    (:func:`retention_check`)."""

    as_of: datetime
    policy: RetentionPolicy
    channels: tuple[ChannelRetention, ...]
    """Channels with interactions past their period, by name."""
    interactions: int
    """Interactions past their period, every channel."""
    customers: int
    """Distinct customers with an interaction or a notification past its period
    (records not yet attributed to a customer count in the totals only)."""
    notifications: int = 0
    """Finished outbox entries past ``policy.notifications``."""
    oldest_notification: datetime | None = None
    """When the oldest of them finished."""

    @property
    def ok(self) -> bool:
        """Nothing kept past its period."""
        return self.interactions == 0 and self.notifications == 0

    def to_dict(self) -> dict[str, Any]:
        """The JSON form, times in ISO-8601, periods in days."""
        return {
            "as_of": self.as_of.isoformat(),
            "policy": self.policy.to_dict(),
            "channels": [c.to_dict() for c in self.channels],
            "interactions": self.interactions,
            "customers": self.customers,
            "notifications": self.notifications,
            "oldest_notification": _iso(self.oldest_notification),
            "ok": self.ok,
        }

    def __str__(self) -> str:
        per = ", ".join(f"{c.channel} {c.records:,}" for c in self.channels)
        return (
            f"{_plural(self.interactions, 'interaction')} past retention"
            f"{f' ({per})' if per else ''}, {_plural(self.notifications, 'notification')}, "
            f"{_plural(self.customers, 'customer')} affected"
        )


def _finished_at(entry: OutboxEntry) -> datetime:
    """When a finished entry finished: sent, or its last attempt (its creation
    when it failed without one)."""
    if entry.sent_at is not None:
        return entry.sent_at
    moments = [entry.created_at]
    for attempt in entry.attempts:
        moments.append(attempt.finished_at or attempt.started_at)
    return max(moments)


def retention_check(
    store: Store, policy: RetentionPolicy, *, as_of: datetime, chunk_size: int = 1000
) -> RetentionReport:
    """The records ``store`` keeps past ``policy`` at ``as_of`` (aware).

    An interaction is past its period when ``occurred_at < as_of - period``
    for its channel. Only old records are read: the interaction log is
    scanned up to ``as_of`` minus the shortest period, the outbox (finished
    entries, by when they finished) up to ``as_of`` minus the notification
    period. Memory grows with the distinct customers affected. A channel the
    policy names that is not registered raises
    :class:`~omnicontext.errors.UnknownChannel` (a typo would keep its records
    forever).

    >>> from omnicontext.testing import factories as f
    >>> from omnicontext.storage import MemoryStore
    >>> store = MemoryStore()
    >>> _ = store.interactions.append(f.call("call_1", at=f.T0))
    >>> report = retention_check(store, RetentionPolicy(channels={"phone": timedelta(days=365)}),
    ...                          as_of=f.T0 + timedelta(days=400))
    >>> print(report)
    1 interaction past retention (phone 1), 0 notifications, 1 customer affected
    """
    if not isinstance(policy, RetentionPolicy):
        raise _invalid("policy", policy, "must be a RetentionPolicy")
    as_of = _aware(as_of, "as_of")
    chunk_size = _chunk(chunk_size)
    registry = current_channels()
    unknown = sorted(name for name in policy.channels if name not in registry)
    if unknown:
        raise UnknownChannel(
            "retention policy",
            [FieldError(f"channels.{name}", name, "unknown channel") for name in unknown],
            registry.names(),
        )
    finite = [p for p in (policy.default, *policy.channels.values()) if p is not None]
    per_channel: dict[str, list[Any]] = {}
    customers: set[str] = set()
    total = 0
    if finite:
        for chunk in store.interactions.scan(None, as_of - min(finite), chunk_size=chunk_size):
            for item in chunk:
                period = policy.period(item.channel)
                if period is None or not item.occurred_at < as_of - period:
                    continue
                total += 1
                seen = per_channel.setdefault(item.channel, [0, item.occurred_at])
                seen[0] += 1
                seen[1] = min(seen[1], item.occurred_at)
                if item.customer_id is not None:
                    customers.add(item.customer_id)
    notifications = 0
    oldest: datetime | None = None
    if policy.notifications is not None:
        cutoff = as_of - policy.notifications
        for entries in store.outbox.scan(None, cutoff, chunk_size=chunk_size):
            for entry in entries:
                if entry.status not in _FINISHED:
                    continue
                finished = _finished_at(entry)
                if not finished < cutoff:
                    continue
                notifications += 1
                oldest = finished if oldest is None else min(oldest, finished)
                if entry.customer_id is not None:
                    customers.add(entry.customer_id)
    channels = []
    for name, (records, first) in sorted(per_channel.items()):
        period = policy.period(name)
        assert period is not None  # only channels with a period are counted
        channels.append(ChannelRetention(name, period, records, first))
    return RetentionReport(
        as_of=as_of,
        policy=policy,
        channels=tuple(channels),
        interactions=total,
        customers=len(customers),
        notifications=notifications,
        oldest_notification=oldest,
    )


# -- everything at once ---------------------------------------------------------------------


@attrs.frozen
class ComplianceReport:
    """The compliance section of the risk report (:func:`compliance_report`)."""

    access: AccessSummary
    violations: tuple[AccessViolation, ...]
    erasure: ErasureCheck
    retention: RetentionReport | None
    as_of: datetime

    @property
    def ok(self) -> bool:
        """No violation, erasure ``ok`` and nothing past retention."""
        return (
            not self.violations
            and self.erasure.ok
            and (self.retention is None or self.retention.ok)
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: ``as_of``, ``ok``, ``access``, ``violations`` (with
        ``violation_counts`` per kind), ``erasure``, ``retention`` (or ``None``)."""
        counts = Counter(v.kind.value for v in self.violations)
        return {
            "as_of": self.as_of.isoformat(),
            "ok": self.ok,
            "access": self.access.to_dict(),
            "violation_counts": {k.value: counts[k.value] for k in ViolationKind},
            "violations": [v.to_dict() for v in self.violations],
            "erasure": self.erasure.to_dict(),
            "retention": None if self.retention is None else self.retention.to_dict(),
        }

    def __str__(self) -> str:
        counts = Counter(v.kind.value for v in self.violations)
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
        lines = [
            f"compliance as of {self.as_of.isoformat()}: {'ok' if self.ok else 'action needed'}",
            f"access: {self.access}",
            f"violations: {len(self.violations)}{f' ({kinds})' if kinds else ''}",
            f"erasure: {self.erasure}",
        ]
        if self.retention is not None:
            lines.append(f"retention: {self.retention}")
        return "\n".join(lines)


def compliance_report(
    store: Store,
    *,
    as_of: datetime,
    policy: AccessPolicy | None = None,
    erasure_requests: Iterable[ErasureRequest] = (),
    erasure_deadline: timedelta = timedelta(days=30),
    retention: RetentionPolicy | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ComplianceReport:
    """Every check at ``as_of`` (aware): :func:`access_summary` and
    :func:`access_violations` over ``start <= occurred_at < end`` (``end``
    defaults to just after ``as_of``: looks after the report's time are not
    in it), :func:`erasure_check` and, with a policy, :func:`retention_check`.

    >>> from omnicontext.storage import MemoryStore
    >>> report = compliance_report(MemoryStore(), as_of=datetime(2026, 6, 12, tzinfo=UTC))
    >>> report.ok, report.access.records
    (True, 0)
    """
    as_of = _aware(as_of, "as_of")
    policy = _policy(policy)
    if end is None:
        end = as_of + _TICK
    start, end = _range(start, end)
    if retention is not None and not isinstance(retention, RetentionPolicy):
        raise _invalid("retention", retention, "must be a RetentionPolicy or None")
    return ComplianceReport(
        access=access_summary(store, start=start, end=end),
        violations=tuple(access_violations(store, policy, start=start, end=end)),
        erasure=erasure_check(store, erasure_requests, as_of=as_of, deadline=erasure_deadline),
        retention=None if retention is None else retention_check(store, retention, as_of=as_of),
        as_of=as_of,
    )
