"""Helpers both built-in stores share: sort keys, cursors and argument checks.

Private to omnicontext: names and behaviour may change in any release.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError

from omnicontext.errors import ConflictError, FieldError, InvalidInput
from omnicontext.model import (
    Case,
    Customer,
    Interaction,
    InteractionBase,
    MergeRecord,
    MergeSuggestion,
    SuggestionStatus,
)
from omnicontext.model._types import Id
from omnicontext.model.access import AccessRecord
from omnicontext.model.notification import OutboxEntry, OutboxStatus

__all__ = [
    "access_conflict",
    "check_access_record",
    "check_chunk_size",
    "check_customer_ref",
    "check_ids",
    "check_interaction",
    "check_limit",
    "check_moment",
    "check_new_entry",
    "check_outbox_entry",
    "check_outbox_status",
    "check_range",
    "check_status",
    "decode_cursor",
    "due_key",
    "encode_cursor",
    "is_due",
    "message_changed",
    "message_conflict",
    "same_content",
    "stale_version",
    "time_key",
]

_Record = TypeVar("_Record", AccessRecord, OutboxEntry)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
MAX_LIMIT = 10_000


def time_key(moment: datetime) -> int:
    """Microseconds since the Unix epoch: one instant, whatever its offset.

    >>> from datetime import datetime, timezone, timedelta
    >>> a = datetime(2026, 1, 5, 10, tzinfo=timezone(timedelta(hours=1)))
    >>> b = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
    >>> time_key(a) == time_key(b)
    True
    """
    return (moment - _EPOCH) // _MICROSECOND


def encode_cursor(key: tuple[int, str]) -> str:
    """An opaque cursor for the position just after ``(time_key, id)``."""
    raw = json.dumps([key[0], key[1]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str]:
    """The ``(time_key, id)`` position inside ``cursor``; bad input raises ``InvalidInput``."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value: Any = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], int)
            and isinstance(value[1], str)
        ):
            return value[0], value[1]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise InvalidInput(
        "cursor", [FieldError("cursor", cursor, "not a cursor this store produced")]
    )


def check_limit(limit: int) -> None:
    """Reject page sizes outside 1..10,000."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            "page request", [FieldError("limit", limit, f"must be an integer 1..{MAX_LIMIT}")]
        )


def check_chunk_size(chunk_size: int) -> None:
    """Reject chunk sizes outside 1..10,000."""
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, int)
        or not 1 <= chunk_size <= MAX_LIMIT
    ):
        raise InvalidInput(
            "scan", [FieldError("chunk_size", chunk_size, f"must be an integer 1..{MAX_LIMIT}")]
        )


def check_range(start: datetime | None, end: datetime | None) -> tuple[int | None, int | None]:
    """Time keys of a half-open ``[start, end)`` range; naive bounds are rejected."""
    keys: list[int | None] = []
    for name, moment in (("start", start), ("end", end)):
        if moment is None:
            keys.append(None)
            continue
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise InvalidInput(
                "scan",
                [FieldError(name, moment, "a timezone-aware datetime is required")],
            )
        keys.append(time_key(moment))
    lo, hi = keys
    if lo is not None and hi is not None and hi < lo:
        raise InvalidInput("scan", [FieldError("end", end, "is before start")])
    return lo, hi


def check_interaction(value: object) -> Interaction:
    """Reject anything that is not an interaction model (a dict, say)."""
    if not isinstance(value, InteractionBase):
        raise InvalidInput(
            "interaction",
            [
                FieldError(
                    "interaction",
                    type(value).__name__,
                    "expected an Interaction model; parse dicts with parse_interaction()",
                )
            ],
        )
    return cast(Interaction, value)


_CUSTOMER_REF: TypeAdapter[str | None] = TypeAdapter(Id | None)


def check_customer_ref(customer_id: object) -> None:
    """Reject a ``customer_id`` for ``reassign`` that is neither ``None`` nor an
    id the model would accept (the one ``Id`` rule, so a stored record always
    reads back)."""
    try:
        _CUSTOMER_REF.validate_python(customer_id, strict=True)
    except ValidationError:
        raise InvalidInput(
            "reassign",
            [FieldError("customer_id", customer_id, "expected None or a customer id")],
        ) from None


def check_ids(ids: object) -> list[str]:
    """Interaction ids given to ``reassign``, as a list without repeats; a lone
    string (a common slip for ``[id]``) is rejected."""
    if isinstance(ids, str | bytes) or not hasattr(ids, "__iter__"):
        raise InvalidInput(
            "reassign",
            [FieldError("interaction_ids", ids, "expected an iterable of interaction ids")],
        )
    out: dict[str, None] = {}
    for item in cast(Iterable[object], ids):
        if not isinstance(item, str):
            raise InvalidInput(
                "reassign", [FieldError("interaction_ids", item, "expected a string id")]
            )
        out[item] = None
    return list(out)


def check_status(status: object) -> SuggestionStatus:
    """A suggestion status from its name; anything else raises ``InvalidInput``."""
    try:
        return SuggestionStatus(status)  # type: ignore[arg-type]
    except ValueError:
        known = ", ".join(s.value for s in SuggestionStatus)
        raise InvalidInput(
            "suggestion count", [FieldError("status", status, f"expected one of {known}")]
        ) from None


def check_document(
    value: object,
    expected: type[Customer] | type[Case] | type[MergeRecord] | type[MergeSuggestion],
) -> None:
    """Reject a save of something that is not the expected model."""
    if not isinstance(value, expected):
        kind = expected.__name__.lower()
        raise InvalidInput(
            kind, [FieldError(kind, type(value).__name__, f"expected a {expected.__name__}")]
        )


def stale_version(kind: str, id: str, given: int, stored: int | None) -> ConflictError:
    """The conflict raised when a save's version does not match the stored one."""
    if stored is None:
        why = f"{kind} {id!r} is not stored yet, so its version must be 0, not {given}"
    else:
        why = (
            f"{kind} {id!r} was saved by someone else: stored version is {stored}, "
            f"this copy has version {given}; reload it and apply the change again"
        )
    return ConflictError(why, kind=kind, id=id)


def same_content(a: object, a_json: str, b: object, b_json: str) -> bool:
    """Whether two records with one id hold the same content.

    Equal canonical JSON is the fast answer; otherwise the models are compared,
    so one instant written with another UTC offset is still the same content.
    ``customer_id`` does not count: it is who the record belongs to, which
    identity resolution may change after the fact (``reassign``, a merge), so
    re-importing the original export is not a conflict.
    """
    if a_json == b_json or a == b:
        return True
    if (
        isinstance(a, InteractionBase)
        and isinstance(b, InteractionBase)
        and a.customer_id != b.customer_id
    ):
        return a.model_copy(update={"customer_id": None}) == b.model_copy(
            update={"customer_id": None}
        )
    return False


def duplicate_content(id: str) -> ConflictError:
    """The conflict raised when an interaction id is reused with other content."""
    return ConflictError(
        f"interaction {id!r} already exists with different content; interactions are "
        "immutable, so a correction needs a new id",
        kind="interaction",
        id=id,
    )


# -- the access log and the outbox ------------------------------------------


def _revalidated(value: _Record, subject: str) -> _Record:
    """``value`` validated again from its fields, as a store must hold it.

    A model built through ``model_copy(update=...)`` skips validation, so it may
    carry a status given as text, a value of the wrong type or a combination the
    model forbids. Dumping it and validating the dump catches all of these
    (nested records included) and turns names into enum members, so every
    store holds and compares the same valid model.
    """
    try:
        data = value.model_dump(warnings=False)
    except PydanticSerializationError as exc:
        raise InvalidInput(
            subject, [FieldError(subject, type(value).__name__, str(exc))]
        ) from None
    return type(value).parse(data)


def check_access_record(value: object) -> AccessRecord:
    """An :class:`AccessRecord` validated again (see :func:`_revalidated`); anything
    else (a dict, say) or an invalid record raises ``InvalidInput``."""
    if not isinstance(value, AccessRecord):
        raise InvalidInput(
            "access record",
            [
                FieldError(
                    "access record",
                    type(value).__name__,
                    "expected an AccessRecord; parse dicts with AccessRecord.parse()",
                )
            ],
        )
    return _revalidated(value, "access record")


def check_outbox_entry(value: object) -> OutboxEntry:
    """An :class:`OutboxEntry` validated again (see :func:`_revalidated`); anything
    else (a dict, say) or an invalid entry raises ``InvalidInput``."""
    if not isinstance(value, OutboxEntry):
        raise InvalidInput(
            "outbox entry",
            [
                FieldError(
                    "outbox entry",
                    type(value).__name__,
                    "expected an OutboxEntry; parse dicts with OutboxEntry.parse()",
                )
            ],
        )
    return _revalidated(value, "outbox entry")


def check_new_entry(value: object) -> OutboxEntry:
    """An entry for ``Outbox.add``: an :class:`OutboxEntry` with version 0."""
    entry = check_outbox_entry(value)
    if entry.version != 0:
        raise InvalidInput(
            "outbox entry",
            [
                FieldError(
                    "version",
                    entry.version,
                    "a new entry has version 0; later states go through save()",
                )
            ],
        )
    return entry


def check_outbox_status(status: object) -> OutboxStatus:
    """An outbox status from its name; anything else raises ``InvalidInput``."""
    try:
        return OutboxStatus(status)  # type: ignore[arg-type]
    except ValueError:
        known = ", ".join(s.value for s in OutboxStatus)
        raise InvalidInput(
            "outbox count", [FieldError("status", status, f"expected one of {known}")]
        ) from None


def check_moment(name: str, moment: object, subject: str) -> int:
    """The time key of ``moment``, which must be a timezone-aware datetime."""
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise InvalidInput(
            subject,
            [FieldError(name, moment, "a timezone-aware datetime is required (never guessed)")],
        )
    return time_key(moment)


def due_key(entry: OutboxEntry) -> tuple[int, str]:
    """The order of ``Outbox.due``: ``not_before`` (or ``created_at``), then key."""
    return (time_key(entry.not_before or entry.created_at), entry.key)


def is_due(entry: OutboxEntry, now: int) -> bool:
    """Whether a worker should take ``entry`` up at time key ``now``: pending and
    not held back by ``not_before``, or sending under an expired lease."""
    # ``==``, not ``is``: a status may arrive as its text ("pending").
    if entry.status == OutboxStatus.PENDING:
        return entry.not_before is None or time_key(entry.not_before) <= now
    if entry.status == OutboxStatus.SENDING:
        return entry.lease_until is not None and time_key(entry.lease_until) <= now
    return False


def access_conflict(id: str) -> ConflictError:
    """The conflict raised when an access record id is reused with other content."""
    return ConflictError(
        f"access record {id!r} already exists with different content; the access log "
        "is append-only, so a new look needs a new id",
        kind="access record",
        id=id,
    )


def message_changed(stored: OutboxEntry, given: OutboxEntry) -> tuple[str, ...]:
    """The message fields in which ``given`` differs from ``stored``."""
    return stored.message_differences(given)


def message_conflict(key: str, fields: tuple[str, ...], *, on_add: bool) -> ConflictError:
    """The conflict raised when an outbox entry's message would change."""
    names = ", ".join(fields)
    if on_add:
        why = (
            f"outbox entry {key!r} already holds a different message ({names} differ); "
            "an idempotency key stands for one message, so a new message needs a new key"
        )
    else:
        why = (
            f"outbox entry {key!r}: the message fields never change once stored "
            f"({names} differ); enqueue a new entry under a new key instead"
        )
    return ConflictError(why, kind="outbox entry", id=key)
