"""The "anonymous bank" call-centre data set: one month of calls as :class:`Call` records.

The data (Guedj and Mandelbaum, Technion; studied in Brown et al., "Statistical
analysis of a telephone call center", JASA 2005) records every call to the
call centre of a bank in Israel in 1999, one tab-separated row per call::

    vru+line call_id customer_id priority type date vru_entry vru_exit vru_time
    q_start q_exit q_time outcome ser_start ser_exit ser_time server

A call enters the voice response unit (VRU), may join the queue for an agent
(``q_start``; ``0:00:00`` when it did not), and ends ``AGENT`` (served),
``HANG`` (hung up) or ``PHANTOM`` ("a virtual call to be ignored", says the
data set's documentation). Times are local clock times ``H:MM:SS`` on the day
``date`` (``YYMMDD``) the call entered; the ``*_time`` columns are durations in
seconds.

How each row becomes a :class:`~omnicontext.model.Call`:

* ``id`` and ``case_id`` are ``bank-<vru+line>-<call_id>``: ``call_id`` alone
  repeats across the VRU lines (33,344 calls in February 1999 share 15,516
  call ids); with the line it is unique. Each call is its own case.
* ``channel`` ``phone``, ``direction`` ``inbound``, ``actor`` ``customer``.
* ``customer_id`` is ``bank-<customer_id>``; a ``customer_id`` of ``0`` (the VRU
  did not identify the caller) gives no ``customer_id``, only the ``case_id``.
  So does an id a spreadsheet once rewrote in scientific notation
  (``6.02701E+11``, 21 rows in February): its last digits are lost, and several
  customers may share what is left (:attr:`CallNote.CUSTOMER_ID_LOST`).
* ``occurred_at`` is when the call joined the agent queue (``q_start``), or, for
  a call that went straight from the VRU to an agent (``q_time`` 0 and no
  ``q_start``), when it left the VRU (``vru_exit``).
* ``answered_at`` (``AGENT`` only) is ``occurred_at + q_time``: the moment the
  queue handed the call to an agent (``q_exit``). ``ser_start`` is stamped by
  the agents' system, whose clock runs 0-2 s ahead of the VRU's: it is 1-2 s
  *before* ``q_exit`` in most answered calls, which would make them answered
  before they queued. The wait is therefore exactly ``q_time``.
* ``ended_at`` is ``answered_at + ser_time`` for an answered call (talk time is
  exactly ``ser_time``, which always equals ``ser_exit - ser_start``), and
  ``q_exit`` (``occurred_at + q_time``) for an abandoned one.
* ``agent_id`` is the ``server`` of an answered call; ``NO_SERVER`` gives none.
* ``wrap_up_seconds`` is 0: the data has no after-call work.

Decisions on rows that are not plain calls (all counted in a
:class:`BankReadReport`, never dropped silently):

* ``PHANTOM``: skipped (:attr:`SkipReason.PHANTOM`), as the documentation says.
* ``HANG`` without reaching the queue (no ``q_start``, ``q_time`` 0): the caller
  hung up in the self-service VRU and never asked an agent; skipped
  (:attr:`SkipReason.LEFT_IN_VRU`), so abandonment counts callers who gave up
  waiting for an agent, as call centres report it.
* ``HANG`` that reached the queue and left it in the same second: kept, an
  abandoned call with a 0 s wait (:attr:`CallNote.ABANDONED_AT_ONCE`).
* ``HANG`` rows that also carry service times (with ``NO_SERVER``): the outcome
  wins, they are abandoned at ``q_exit`` (:attr:`CallNote.HANG_WITH_SERVICE_TIMES`).
* ``AGENT`` with ``NO_SERVER``: kept as answered, without ``agent_id``
  (:attr:`CallNote.UNNAMED_AGENT`).
* ``AGENT`` without service times (``ser_start``/``ser_exit`` ``0:00:00``,
  ``ser_time`` 0): answered at ``q_exit`` as usual, ``ended_at`` unknown
  (``None``) (:attr:`CallNote.NO_SERVICE_TIMES`).
* Times past midnight: a call entering at 23:59:50 may queue, be answered and
  end on the next day; the durations place every time on the right day
  (:attr:`CallNote.CROSSED_MIDNIGHT`).
* ``vru_exit`` before ``vru_entry`` (a negative ``vru_time``: 25 rows in
  February, by 8 to 192 s): the VRU's stamps disagree, but the call's queue and
  service times are whole and consistent, and they are all a call uses; kept
  (:attr:`CallNote.VRU_EXIT_BEFORE_ENTRY`).
* A row whose clock times disagree with its durations, a negative queue or
  service time, or a queue joined before the VRU was left: skipped
  (:attr:`SkipReason.INCONSISTENT_TIMES`). February has none.
* A repeated ``vru+line``/``call_id``: the first row is kept, later ones are
  skipped (:attr:`SkipReason.DUPLICATE`).
* ``priority`` (0 and 1 regular, 2 priority customers) and ``type`` (the service
  asked for, :data:`SERVICE_TYPES`) have no place in the data contract: they are
  kept on the :class:`BankCall` records of :func:`read_bank_records`, to filter
  on. ``TT`` calls are call-backs the bank placed for customers who had left a
  message and who then waited in the queue; they are read like the others.

A row that cannot be read at all (a column missing, a time that is not
``H:MM:SS``, an unknown outcome) raises :class:`~omnicontext.errors.InvalidInput`
naming the line, the column and the value.

The time zone defaults to ``Asia/Jerusalem``: the data set's documentation
describes "the telephone call-center of a bank in Israel" and its times as the
local clock. Every time returned is timezone-aware, in that zone.

>>> import io
>>> row = ("AA0101 44 23317894 2 PS 990201 8:09:16 8:09:22 6 8:09:22 8:09:40 18 "
...        "AGENT 8:09:39 8:12:19 160 DORIT")
>>> tsv = "\\t".join(BANK_COLUMNS) + "\\n" + row.replace(" ", "\\t") + "\\n"
>>> [call] = read_bank_calls(io.StringIO(tsv))
>>> call.id, call.customer_id, call.agent_id, call.wait_seconds, call.talk_seconds
('bank-AA0101-44', 'bank-23317894', 'DORIT', 18.0, 160.0)
>>> call.occurred_at.isoformat()
'1999-02-01T08:09:22+02:00'
"""

from __future__ import annotations

import csv
import enum
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from omnicontext.datasets._source import open_text
from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Actor, Call, Direction

__all__ = [
    "BANK_COLUMNS",
    "BANK_TIME_ZONE",
    "SERVICE_TYPES",
    "BankCall",
    "BankReadReport",
    "CallNote",
    "Outcome",
    "SkipReason",
    "read_bank_calls",
    "read_bank_records",
]

BANK_TIME_ZONE = "Asia/Jerusalem"
"""The zone of the data set's clock times: the documentation places the bank in Israel."""

BANK_COLUMNS: tuple[str, ...] = (
    "vru+line",
    "call_id",
    "customer_id",
    "priority",
    "type",
    "date",
    "vru_entry",
    "vru_exit",
    "vru_time",
    "q_start",
    "q_exit",
    "q_time",
    "outcome",
    "ser_start",
    "ser_exit",
    "ser_time",
    "server",
)
"""The columns of the data set, in their order in the file."""

SERVICE_TYPES: Mapping[str, str] = {
    "PS": "regular activity",
    "PE": "regular activity in English",
    "IN": "internet consulting",
    "NE": "stock exchange activity",
    "NW": "potential customer getting information",
    "TT": "call-back: the customer left a message, the bank called back and queued them",
}
"""The ``type`` codes, as the data set's documentation explains them."""

_NO_TIME = "0:00:00"
_NO_SERVER = "NO_SERVER"
_DAY = 86_400
_HALF_DAY = _DAY // 2
# A 12-digit id a spreadsheet rewrote as 6.02701E+11, its last digits lost.
_LOST_ID = re.compile(r"^\d(?:\.\d+)?E\+\d+$")
_WHOLE = re.compile(r"^-?[0-9]+$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2})$")
_SUBJECT = "bank call on line {line}"


class Outcome(enum.StrEnum):
    """How a call ended, as the ``outcome`` column says."""

    AGENT = "AGENT"
    """Served by an agent."""
    HANG = "HANG"
    """The caller hung up."""
    PHANTOM = "PHANTOM"
    """"A virtual call to be ignored" (the data set's documentation)."""


class SkipReason(enum.StrEnum):
    """Why a well-formed row did not become a call."""

    PHANTOM = "phantom"
    """Outcome ``PHANTOM``: not a real call."""
    LEFT_IN_VRU = "left_in_vru"
    """Hung up in the VRU without ever joining the agent queue."""
    INCONSISTENT_TIMES = "inconsistent_times"
    """Clock times that disagree with the durations, or a queue joined before the VRU was left."""
    DUPLICATE = "duplicate"
    """The same ``vru+line`` and ``call_id`` as an earlier row."""


class CallNote(enum.StrEnum):
    """Something worth knowing about a call that was read (a call may have several)."""

    UNIDENTIFIED = "unidentified"
    """``customer_id`` 0: the call has a ``case_id`` but no ``customer_id``."""
    CUSTOMER_ID_LOST = "customer_id_lost"
    """``customer_id`` in scientific notation (``6.02701E+11``: a spreadsheet dropped its
    last digits): it names no one for sure, so the call has no ``customer_id``."""
    DIRECT_TO_AGENT = "direct_to_agent"
    """Answered without queueing: from the VRU straight to an agent, a 0 s wait."""
    ABANDONED_AT_ONCE = "abandoned_at_once"
    """Joined the queue and hung up in the same second: abandoned with a 0 s wait."""
    HANG_WITH_SERVICE_TIMES = "hang_with_service_times"
    """Outcome ``HANG`` but service times recorded: read as abandoned at ``q_exit``."""
    UNNAMED_AGENT = "unnamed_agent"
    """Outcome ``AGENT`` with server ``NO_SERVER``: answered, no ``agent_id``."""
    NO_SERVICE_TIMES = "no_service_times"
    """Outcome ``AGENT`` without service times: answered, ``ended_at`` unknown."""
    VRU_EXIT_BEFORE_ENTRY = "vru_exit_before_entry"
    """``vru_exit`` before ``vru_entry`` (a negative ``vru_time``, same clock): the queue
    and service times are whole and used as usual; only the VRU's stamps disagree."""
    CROSSED_MIDNIGHT = "crossed_midnight"
    """Some of the call's times fall on the day after it entered."""


@attrs.define
class BankReadReport:
    """What a read did with each row: pass one in, read it after the iteration.

    ``rows`` counts data rows read, ``calls`` the calls produced, ``skipped`` the
    rows left out by reason (``skipped_lines`` has their line numbers, the header
    being line 1), ``outcomes`` the calls produced by outcome and ``notes`` the
    calls with something worth knowing (:class:`CallNote`).

    >>> report = BankReadReport()
    >>> report.skip(SkipReason.PHANTOM, line=7)
    >>> report.skipped[SkipReason.PHANTOM], report.skipped_lines[SkipReason.PHANTOM]
    (1, [7])
    """

    rows: int = 0
    calls: int = 0
    skipped: Counter[SkipReason] = attrs.field(factory=Counter)
    skipped_lines: dict[SkipReason, list[int]] = attrs.field(factory=dict)
    outcomes: Counter[Outcome] = attrs.field(factory=Counter)
    notes: Counter[CallNote] = attrs.field(factory=Counter)

    def skip(self, reason: SkipReason, *, line: int) -> None:
        """Record that the row on ``line`` was left out for ``reason``."""
        self.skipped[reason] += 1
        self.skipped_lines.setdefault(reason, []).append(line)

    def summary(self) -> str:
        """A few lines saying what was read, skipped and noted.

        >>> print(BankReadReport(rows=3, calls=2).summary())
        rows read: 3
        calls: 2
        """
        lines = [f"rows read: {self.rows}", f"calls: {self.calls}"]
        lines += [f"  {o.value}: {n}" for o, n in sorted(self.outcomes.items())]
        if self.skipped:
            lines.append(f"skipped: {self.skipped.total()}")
            lines += [f"  {r.value}: {n}" for r, n in sorted(self.skipped.items())]
        if self.notes:
            lines.append("notes:")
            lines += [f"  {k.value}: {n}" for k, n in sorted(self.notes.items())]
        return "\n".join(lines)


@attrs.frozen
class BankCall:
    """One row of the data set: the :class:`Call` it became and the columns it dropped.

    ``customer_id`` is the bank's own id (``None`` for an unidentified caller),
    ``priority`` 0 or 1 for regular and 2 for priority customers, and
    ``service_type`` a key of :data:`SERVICE_TYPES`. ``line`` is the row's line in
    the file (the header is line 1).
    """

    line: int
    vru_line: str
    call_id: str
    customer_id: str | None
    priority: int
    service_type: str
    outcome: Outcome
    server: str | None
    call: Call


def read_bank_calls(
    source: str | os.PathLike[str] | TextIO,
    *,
    time_zone: str | tzinfo = BANK_TIME_ZONE,
    report: BankReadReport | None = None,
) -> Iterator[Call]:
    """The calls of the data set, one per row kept, in file order.

    ``source`` is a path or an open text file (opened with ``newline=""``). The
    rows are read one at a time, so a year's file streams in constant memory;
    they come in file order (grouped by VRU line), not sorted by time. Pass a
    :class:`BankReadReport` to learn what was skipped and why. Every decision is
    in the module documentation (:mod:`omnicontext.datasets.bank`).

    Raises :class:`~omnicontext.errors.InvalidInput` on a row that cannot be
    read, naming its line, column and value (as the iteration reaches it: the
    rows before it have been yielded).

    >>> import io
    >>> header = "\\t".join(BANK_COLUMNS) + "\\n"
    >>> rows = (
    ...     "AA0101\\t1\\t0\\t0\\tPS\\t990201\\t7:02:47\\t7:02:56\\t9\\t0:00:00\\t0:00:00\\t0\\t"
    ...     "AGENT\\t7:02:55\\t7:05:41\\t166\\tDORIT\\n"
    ...     "AA0101\\t2\\t0\\t0\\tPS\\t990201\\t7:10:00\\t7:10:30\\t30\\t0:00:00\\t0:00:00\\t0\\t"
    ...     "HANG\\t0:00:00\\t0:00:00\\t0\\tNO_SERVER\\n"
    ... )
    >>> report = BankReadReport()
    >>> [call] = read_bank_calls(io.StringIO(header + rows), report=report)
    >>> call.case_id, call.customer_id, call.wait_seconds, call.talk_seconds
    ('bank-AA0101-1', None, 0.0, 166.0)
    >>> dict(report.skipped)
    {<SkipReason.LEFT_IN_VRU: 'left_in_vru'>: 1}
    """
    for record in read_bank_records(source, time_zone=time_zone, report=report):
        yield record.call


def read_bank_records(
    source: str | os.PathLike[str] | TextIO,
    *,
    time_zone: str | tzinfo = BANK_TIME_ZONE,
    report: BankReadReport | None = None,
) -> Iterator[BankCall]:
    """Like :func:`read_bank_calls`, with each call's row: priority, service type...

    Use it to measure a subset, for example regular activity only::

        calls = [r.call for r in read_bank_records(path) if r.service_type == "PS"]
    """
    zone = _zone(time_zone)
    report = report if report is not None else BankReadReport()
    seen: set[str] = set()
    with open_text(source, "bank calls") as handle:
        reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        columns = _columns(next(reader, None))
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue  # a blank line, at the end of the file usually
            report.rows += 1
            fields = _fields(row, columns, line)
            record = _record(fields, line, zone, report, seen)
            if record is not None:
                report.calls += 1
                report.outcomes[record.outcome] += 1
                yield record


# -- reading -----------------------------------------------------------------------------------


def _zone(time_zone: str | tzinfo) -> tzinfo:
    if isinstance(time_zone, tzinfo):
        return time_zone
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise InvalidInput(
            "bank calls",
            [FieldError("time_zone", time_zone, "unknown IANA time zone (e.g. 'Asia/Jerusalem')")],
        ) from None


def _error(line: int, field: str, value: object, reason: str) -> InvalidInput:
    return InvalidInput(_SUBJECT.format(line=line), [FieldError(field, value, reason)])


def _columns(header: list[str] | None) -> tuple[dict[str, int], int]:
    """Where each column is, and how many there are, from the header row (in any order)."""
    if header is None:
        raise _error(1, "header", None, "the file is empty; expected a header row")
    where = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in BANK_COLUMNS if c not in where]
    if missing:
        raise InvalidInput(
            _SUBJECT.format(line=1),
            [FieldError(c, None, "column missing from the header") for c in missing],
        )
    if len(where) != len(header):
        raise _error(1, "header", "\t".join(header), "a column name repeats")
    return {c: where[c] for c in BANK_COLUMNS}, len(header)


def _fields(row: list[str], columns: tuple[dict[str, int], int], line: int) -> dict[str, str]:
    where, width = columns
    if len(row) != width:
        raise _error(line, "row", "\t".join(row), f"{len(row)} columns, expected {width}")
    return {name: row[where[name]].strip() for name in BANK_COLUMNS}


def _seconds(fields: Mapping[str, str], name: str, line: int) -> int:
    value = fields[name]
    if _WHOLE.match(value) is None:
        raise _error(line, name, value, "expected a whole number of seconds")
    return int(value)


def _clock(fields: Mapping[str, str], name: str, line: int) -> int:
    """Seconds after midnight of an ``H:MM:SS`` clock time."""
    value = fields[name]
    match = _CLOCK.match(value)
    if match is None:
        raise _error(line, name, value, "expected a clock time H:MM:SS")
    hours, minutes, seconds = (int(g) for g in match.groups())
    if hours > 23 or minutes > 59 or seconds > 59:
        raise _error(line, name, value, "not a time of day")
    return hours * 3600 + minutes * 60 + seconds


def _day(fields: Mapping[str, str], line: int) -> date:
    value = fields["date"]
    if len(value) != 6 or not value.isascii() or not value.isdigit():
        raise _error(line, "date", value, "expected a date YYMMDD")
    try:
        return datetime.strptime(value, "%y%m%d").date()
    except ValueError:
        raise _error(line, "date", value, "not a calendar date YYMMDD") from None


def _text(fields: Mapping[str, str], name: str, line: int) -> str:
    value = fields[name]
    if not value:
        raise _error(line, name, value, "must not be empty")
    return value


def _choice(fields: Mapping[str, str], name: str, line: int, allowed: Mapping[str, object]) -> str:
    value = fields[name]
    if value not in allowed:
        raise _error(line, name, value, f"expected one of {', '.join(allowed)}")
    return value


_PRIORITIES: Mapping[str, str] = {"0": "regular", "1": "regular", "2": "priority"}
_OUTCOMES: Mapping[str, Outcome] = {o.value: o for o in Outcome}


def _ahead(anchor: int, clock: int) -> int:
    """Seconds from clock time ``anchor`` to the nearest ``clock``; negative when before."""
    gap = (clock - anchor) % _DAY
    return gap - _DAY if gap >= _HALF_DAY else gap


def _record(
    fields: Mapping[str, str],
    line: int,
    zone: tzinfo,
    report: BankReadReport,
    seen: set[str],
) -> BankCall | None:
    vru_line = _text(fields, "vru+line", line)
    call_id = _text(fields, "call_id", line)
    customer = fields["customer_id"]
    lost = _LOST_ID.match(customer) is not None
    if not lost and (not customer.isascii() or not customer.isdigit()):
        raise _error(line, "customer_id", customer, "expected the bank's numeric id (0: unknown)")
    known = customer != "0" and not lost
    priority = int(_choice(fields, "priority", line, _PRIORITIES))
    service_type = _choice(fields, "type", line, SERVICE_TYPES)
    day = _day(fields, line)
    vru_entry, vru_exit = _clock(fields, "vru_entry", line), _clock(fields, "vru_exit", line)
    q_start, q_exit = _clock(fields, "q_start", line), _clock(fields, "q_exit", line)
    ser_start, ser_exit = _clock(fields, "ser_start", line), _clock(fields, "ser_exit", line)
    vru_time = _seconds(fields, "vru_time", line)
    q_time = _seconds(fields, "q_time", line)
    ser_time = _seconds(fields, "ser_time", line)
    outcome = _OUTCOMES.get(fields["outcome"])
    if outcome is None:
        raise _error(line, "outcome", fields["outcome"], f"expected one of {', '.join(_OUTCOMES)}")
    server = _text(fields, "server", line)

    key = f"bank-{vru_line}-{call_id}"
    if key in seen:
        report.skip(SkipReason.DUPLICATE, line=line)
        return None
    seen.add(key)
    if outcome is Outcome.PHANTOM:
        report.skip(SkipReason.PHANTOM, line=line)
        return None

    queued = q_time > 0 or fields["q_start"] != _NO_TIME
    served = not (ser_time == 0 and fields["ser_start"] == fields["ser_exit"] == _NO_TIME)
    to_queue = _ahead(vru_exit, q_start) if queued else 0
    # A clock time later than another by less than half a day is on the same day or
    # the next one; the VRU's time may be negative (entry stamped after exit).
    consistent = (
        _ahead(vru_entry, vru_exit) == vru_time
        and (not queued or (q_time >= 0 and (q_exit - q_start) % _DAY == q_time))
        and to_queue >= 0
        and (not served or (ser_time >= 0 and (ser_exit - ser_start) % _DAY == ser_time))
    )
    if not consistent:
        report.skip(SkipReason.INCONSISTENT_TIMES, line=line)
        return None
    if outcome is Outcome.HANG and not queued:
        report.skip(SkipReason.LEFT_IN_VRU, line=line)
        return None

    answered = outcome is Outcome.AGENT
    notes: list[CallNote] = []
    if customer == "0":
        notes.append(CallNote.UNIDENTIFIED)
    if lost:
        notes.append(CallNote.CUSTOMER_ID_LOST)
    if vru_time < 0:
        notes.append(CallNote.VRU_EXIT_BEFORE_ENTRY)
    if answered and not queued:
        notes.append(CallNote.DIRECT_TO_AGENT)
    if not answered and q_time == 0:
        notes.append(CallNote.ABANDONED_AT_ONCE)
    if not answered and served:
        notes.append(CallNote.HANG_WITH_SERVICE_TIMES)
    if answered and server == _NO_SERVER:
        notes.append(CallNote.UNNAMED_AGENT)
    if answered and not served:
        notes.append(CallNote.NO_SERVICE_TIMES)

    # Arithmetic on UTC instants (exact across any clock change), shown in ``zone``.
    entered = datetime.combine(day, time(0), tzinfo=zone) + timedelta(seconds=vru_entry)
    start = entered.astimezone(UTC) + timedelta(seconds=vru_time + to_queue)
    left_queue = start + timedelta(seconds=q_time)
    answered_at = left_queue if answered else None
    if answered_at is None:
        ended_at: datetime | None = left_queue
    else:
        ended_at = answered_at + timedelta(seconds=ser_time) if served else None
    last = ended_at or answered_at or start
    if last.astimezone(zone).date() != day:
        notes.append(CallNote.CROSSED_MIDNIGHT)

    try:
        call = Call(
            id=key,
            occurred_at=start.astimezone(zone),
            channel="phone",
            case_id=key,
            customer_id=f"bank-{customer}" if known else None,
            actor=Actor.CUSTOMER,
            agent_id=server if answered and server != _NO_SERVER else None,
            direction=Direction.INBOUND,
            answered_at=answered_at.astimezone(zone) if answered_at else None,
            ended_at=ended_at.astimezone(zone) if ended_at else None,
            wrap_up_seconds=0.0,
        )
    except InvalidInput as exc:
        raise InvalidInput(_SUBJECT.format(line=line), exc.errors) from None
    report.notes.update(notes)
    return BankCall(
        line=line,
        vru_line=vru_line,
        call_id=call_id,
        customer_id=customer if known else None,
        priority=priority,
        service_type=service_type,
        outcome=outcome,
        server=None if server == _NO_SERVER else server,
        call=call,
    )
