"""read_bank_calls: the "anonymous bank" call-centre month as calls.

The unit tests use invented rows in the data set's format; the last tests
read the real month from ``../shared/data`` next to the checkout (skipped when
it is not there).
"""

from __future__ import annotations

import csv
import io
import itertools
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from omnicontext.datasets import (
    BANK_COLUMNS,
    BankReadReport,
    CallNote,
    Outcome,
    SkipReason,
    read_bank_calls,
    read_bank_records,
)
from omnicontext.errors import InvalidInput
from omnicontext.model import Call

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CALLS = DATA / "anonymous_bank_calls_1999_02.tsv"
ISRAEL = ZoneInfo("Asia/Jerusalem")

# A priority customer who waited 18 s and talked 160 s; ser_start is stamped 1 s
# before q_exit, as the agents' clock usually is.
BASE = {
    "vru+line": "AA0101",
    "call_id": "34539",
    "customer_id": "23317894",
    "priority": "2",
    "type": "PS",
    "date": "990201",
    "vru_entry": "8:09:16",
    "vru_exit": "8:09:22",
    "vru_time": "6",
    "q_start": "8:09:22",
    "q_exit": "8:09:40",
    "q_time": "18",
    "outcome": "AGENT",
    "ser_start": "8:09:39",
    "ser_exit": "8:12:19",
    "ser_time": "160",
    "server": "DORIT",
}
NO_QUEUE = {"q_start": "0:00:00", "q_exit": "0:00:00", "q_time": "0"}
NO_SERVICE = {"ser_start": "0:00:00", "ser_exit": "0:00:00", "ser_time": "0"}
ABANDONED = {"outcome": "HANG", **NO_SERVICE, "server": "NO_SERVER"}


def row(**changes: str) -> dict[str, str]:
    """BASE with some columns changed (``vru_line`` for ``vru+line``)."""
    if "vru_line" in changes:
        changes["vru+line"] = changes.pop("vru_line")
    unknown = set(changes) - set(BASE)
    assert not unknown, unknown
    return {**BASE, **changes}


def tsv(*rows: dict[str, str], end: str = "\n") -> io.StringIO:
    lines = ["\t".join(BANK_COLUMNS)]
    lines += ["\t".join(r[c] for c in BANK_COLUMNS) for r in rows]
    return io.StringIO(end.join(lines) + end)


def read(*rows: dict[str, str]) -> tuple[list[Call], BankReadReport]:
    report = BankReadReport()
    return list(read_bank_calls(tsv(*rows), report=report)), report


def one(**changes: str) -> Call:
    calls, report = read(row(**changes))
    assert report.skipped == Counter(), report.summary()
    [call] = calls
    return call


def at(day: int, clock: str) -> datetime:
    hours, minutes, seconds = (int(p) for p in clock.split(":"))
    return datetime(1999, 2, day, hours, minutes, seconds, tzinfo=ISRAEL)


# -- one call ------------------------------------------------------------------------------------


def test_an_answered_call_after_queueing() -> None:
    call = one()
    assert call.id == call.case_id == "bank-AA0101-34539"
    assert (call.type, call.channel, call.direction, call.actor) == (
        "call",
        "phone",
        "inbound",
        "customer",
    )
    assert (call.customer_id, call.agent_id, call.wrap_up_seconds) == ("bank-23317894", "DORIT", 0)
    assert call.occurred_at == at(1, "8:09:22")  # q_start
    assert call.answered_at == at(1, "8:09:40")  # q_exit
    assert call.ended_at == at(1, "8:09:40") + timedelta(seconds=160)
    assert (call.wait_seconds, call.talk_seconds) == (18.0, 160.0)
    assert call.occurred_at.utcoffset() == timedelta(hours=2)  # Israel Standard Time


def test_the_wait_is_q_time_and_the_talk_ser_time_whatever_the_agents_clock_says() -> None:
    # The agents' system stamps ser_start 2 s before the queue says the call left it.
    call = one(ser_start="8:09:38", ser_exit="8:12:18")
    assert (call.wait_seconds, call.talk_seconds) == (18.0, 160.0)
    # Reading ser_start as the answer time would have answered this call before it queued.
    call = one(q_exit="8:09:22", q_time="0", ser_start="8:09:20", ser_exit="8:12:00")
    assert (call.answered_at, call.wait_seconds) == (call.occurred_at, 0.0)


def test_a_call_straight_from_the_vru_to_an_agent_waits_nothing() -> None:
    calls, report = read(row(**NO_QUEUE, ser_start="8:09:21", ser_exit="8:12:01"))
    [call] = calls
    assert call.occurred_at == call.answered_at == at(1, "8:09:22")  # vru_exit
    assert (call.wait_seconds, call.talk_seconds) == (0.0, 160.0)
    assert report.notes == Counter({CallNote.DIRECT_TO_AGENT: 1})


def test_an_unidentified_caller_gives_a_case_and_no_customer() -> None:
    [record] = read_bank_records(tsv(row(customer_id="0", priority="0")))
    assert (record.call.customer_id, record.call.case_id) == (None, "bank-AA0101-34539")
    assert record.customer_id is None
    _, report = read(row(customer_id="0"))
    assert report.notes[CallNote.UNIDENTIFIED] == 1


def test_a_customer_id_a_spreadsheet_rewrote_names_no_one() -> None:
    [record] = read_bank_records(tsv(row(customer_id="6.02701E+11")))
    assert (record.call.customer_id, record.customer_id) == (None, None)
    _, report = read(row(customer_id="3.26702E+11"))
    assert report.notes == Counter({CallNote.CUSTOMER_ID_LOST: 1})


def test_the_record_keeps_what_the_data_contract_has_no_field_for() -> None:
    [record] = read_bank_records(tsv(row(type="TT", priority="1")))
    assert (record.line, record.vru_line, record.call_id, record.customer_id) == (
        2,
        "AA0101",
        "34539",
        "23317894",
    )
    assert (record.priority, record.service_type, record.outcome, record.server) == (
        1,
        "TT",
        Outcome.AGENT,
        "DORIT",
    )


def test_call_ids_repeat_across_vru_lines_so_ids_include_the_line() -> None:
    calls, report = read(row(), row(vru_line="AA0207"))
    assert [c.id for c in calls] == ["bank-AA0101-34539", "bank-AA0207-34539"]
    assert report.calls == 2


# -- abandoned calls -----------------------------------------------------------------------------


def test_a_caller_who_hangs_up_in_the_queue_is_abandoned_at_q_exit() -> None:
    calls, report = read(row(**ABANDONED, q_exit="8:10:12", q_time="50"))
    [call] = calls
    assert call.abandoned
    assert call.answered_at is None
    assert call.agent_id is None
    assert call.ended_at == at(1, "8:10:12")
    assert call.wait_seconds == 50.0
    assert report.outcomes == Counter({Outcome.HANG: 1})


def test_hanging_up_the_second_the_call_queues_is_abandonment_with_no_wait() -> None:
    calls, report = read(row(**ABANDONED, q_exit="8:09:22", q_time="0"))
    [call] = calls
    assert call.abandoned
    assert call.wait_seconds == 0.0
    assert report.notes == Counter({CallNote.ABANDONED_AT_ONCE: 1})


def test_the_outcome_wins_over_service_times_on_a_hang() -> None:
    calls, report = read(
        row(
            outcome="HANG",
            server="NO_SERVER",
            ser_start="8:09:41",
            ser_exit="8:09:48",
            ser_time="7",
        )
    )
    [call] = calls
    assert call.abandoned
    assert call.ended_at == at(1, "8:09:40")
    assert report.notes == Counter({CallNote.HANG_WITH_SERVICE_TIMES: 1})


def test_hanging_up_in_the_vru_is_skipped_with_its_line() -> None:
    vru_only = row(**ABANDONED, **NO_QUEUE, call_id="2", vru_exit="8:10:16", vru_time="60")
    calls, report = read(row(), vru_only)
    assert [c.id for c in calls] == ["bank-AA0101-34539"]
    assert report.skipped == Counter({SkipReason.LEFT_IN_VRU: 1})
    assert report.skipped_lines == {SkipReason.LEFT_IN_VRU: [3]}
    assert (report.rows, report.calls) == (2, 1)


def test_phantom_calls_are_skipped() -> None:
    phantom = row(outcome="PHANTOM", server="NO_SERVER", call_id="2")
    calls, report = read(phantom, row())
    assert len(calls) == 1
    assert report.skipped_lines == {SkipReason.PHANTOM: [2]}
    assert report.outcomes == Counter({Outcome.AGENT: 1})


# -- answered calls with something missing -------------------------------------------------------


def test_answered_without_a_named_agent_keeps_the_call_without_agent_id() -> None:
    [record] = read_bank_records(tsv(row(server="NO_SERVER", ser_time="160")))
    assert (record.call.agent_id, record.server) == (None, None)
    assert not record.call.abandoned
    assert record.call.talk_seconds == 160.0
    _, report = read(row(server="NO_SERVER"))
    assert report.notes == Counter({CallNote.UNNAMED_AGENT: 1})


def test_answered_without_service_times_has_no_end() -> None:
    calls, report = read(row(**NO_SERVICE))
    [call] = calls
    assert call.answered_at == at(1, "8:09:40")
    assert call.ended_at is None
    assert call.talk_seconds is None
    assert call.wait_seconds == 18.0
    assert report.notes == Counter({CallNote.NO_SERVICE_TIMES: 1})


# -- clocks --------------------------------------------------------------------------------------


def test_a_call_past_midnight_ends_on_the_next_day() -> None:
    late = row(
        **NO_QUEUE,
        date="990220",
        vru_entry="23:59:32",
        vru_exit="23:59:44",
        vru_time="12",
        ser_start="23:59:43",
        ser_exit="0:01:28",
        ser_time="105",
    )
    calls, report = read(late)
    [call] = calls
    assert call.occurred_at == at(20, "23:59:44")
    assert call.ended_at == at(21, "0:01:29")
    assert report.notes == Counter({CallNote.DIRECT_TO_AGENT: 1, CallNote.CROSSED_MIDNIGHT: 1})


def test_a_queue_joined_at_midnight_is_a_queue_not_a_missing_time() -> None:
    midnight = row(
        date="990215",
        vru_entry="23:59:54",
        vru_exit="23:59:54",
        vru_time="0",
        q_start="0:00:00",
        q_exit="0:00:27",
        q_time="27",
        ser_start="0:00:26",
        ser_exit="0:01:33",
        ser_time="67",
    )
    [call] = read(midnight)[0]
    assert call.occurred_at == at(16, "0:00:00")
    assert (call.wait_seconds, call.talk_seconds) == (27.0, 67.0)


def test_waiting_across_midnight_and_hanging_up() -> None:
    late = row(
        **ABANDONED,
        date="990210",
        vru_entry="23:59:19",
        vru_exit="23:59:19",
        vru_time="0",
        q_start="23:59:29",
        q_exit="0:00:26",
        q_time="57",
    )
    [call] = read(late)[0]
    assert call.occurred_at == at(10, "23:59:29")  # ten seconds after the VRU, as in the data
    assert call.ended_at == at(11, "0:00:26")


def test_a_vru_exit_before_its_entry_keeps_the_call_and_says_so() -> None:
    odd = row(
        vru_entry="9:48:14",
        vru_exit="9:47:17",
        vru_time="-57",
        q_start="9:47:17",
        q_exit="9:47:35",
    )
    calls, report = read(odd)
    [call] = calls
    assert call.occurred_at == at(1, "9:47:17")
    assert report.notes == Counter({CallNote.VRU_EXIT_BEFORE_ENTRY: 1})


@pytest.mark.parametrize(
    "changes",
    [
        {"q_exit": "8:09:45"},  # the clocks say 23 s, q_time 18
        {"vru_exit": "8:09:30", "q_start": "8:09:30", "q_exit": "8:09:48"},  # vru_time 6
        {"ser_exit": "8:12:00"},  # ser_time 160
        {"q_start": "8:09:10", "q_exit": "8:09:28"},  # queued before leaving the VRU
        {"q_time": "-18", "q_exit": "8:09:04"},  # a negative wait
    ],
)
def test_times_that_contradict_each_other_are_skipped(changes: dict[str, str]) -> None:
    calls, report = read(row(), row(call_id="2", **changes))
    assert len(calls) == 1
    assert report.skipped_lines == {SkipReason.INCONSISTENT_TIMES: [3]}


def test_a_repeated_call_is_read_once() -> None:
    calls, report = read(row(), row(server="MIKI"))
    assert [c.agent_id for c in calls] == ["DORIT"]
    assert report.skipped_lines == {SkipReason.DUPLICATE: [3]}


def test_the_time_zone_is_the_banks_unless_told_otherwise() -> None:
    [call] = read_bank_calls(tsv(row()))
    assert call.occurred_at.tzinfo == ISRAEL
    assert call.occurred_at.astimezone(UTC).hour == 6
    [call] = read_bank_calls(tsv(row()), time_zone="UTC")
    assert call.occurred_at == datetime(1999, 2, 1, 8, 9, 22, tzinfo=UTC)
    [call] = read_bank_calls(tsv(row()), time_zone=timezone(timedelta(hours=3)))
    assert call.occurred_at.astimezone(UTC).hour == 5
    with pytest.raises(InvalidInput) as caught:
        list(read_bank_calls(tsv(row()), time_zone="Mars/Olympus"))
    assert (caught.value.field, caught.value.value) == ("time_zone", "Mars/Olympus")


# -- reading -------------------------------------------------------------------------------------


def test_paths_crlf_and_trailing_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "calls.tsv"
    path.write_text(tsv(row(), row(call_id="2"), end="\r\n").getvalue() + "\r\n", newline="")
    assert len(list(read_bank_calls(path))) == 2
    assert len(list(read_bank_calls(str(path)))) == 2


def test_columns_are_found_by_name() -> None:
    names = list(reversed(BANK_COLUMNS))
    text = "\t".join(names) + "\n" + "\t".join(row()[c] for c in names) + "\n"
    [call] = read_bank_calls(io.StringIO(text))
    assert call.talk_seconds == 160.0


def test_rows_are_read_lazily_in_file_order() -> None:
    calls = read_bank_calls(
        tsv(row(call_id="2", q_start="9:00:00", q_exit="9:00:18"), row(), row(q_time="x"))
    )
    assert next(calls).id == "bank-AA0101-2"
    assert next(calls).id == "bank-AA0101-34539"  # earlier, but later in the file
    with pytest.raises(InvalidInput):
        next(calls)


def test_the_summary_lists_counts_by_reason() -> None:
    _, report = read(row(), row(call_id="2", outcome="PHANTOM"), row(customer_id="0", call_id="3"))
    assert report.summary().splitlines() == [
        "rows read: 3",
        "calls: 2",
        "  AGENT: 2",
        "skipped: 1",
        "  phantom: 1",
        "notes:",
        "  unidentified: 1",
    ]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("vru_entry", "8:9", "H:MM:SS"),
        ("q_exit", "25:00:00", "not a time of day"),
        ("q_time", "abc", "whole number of seconds"),
        ("ser_time", "1.5", "whole number of seconds"),
        ("outcome", "TRANSFER", "AGENT, HANG, PHANTOM"),
        ("date", "990230", "calendar date"),
        ("date", "1999-02-01", "YYMMDD"),
        ("priority", "7", "0, 1, 2"),
        ("type", "XX", "PS, PE"),
        ("customer_id", "ABC123", "numeric id"),
        ("server", "", "must not be empty"),
        ("call_id", "", "must not be empty"),
    ],
)
def test_a_malformed_row_names_its_line_column_and_value(
    field: str, value: str, reason: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        list(read_bank_calls(tsv(row(), row(**{"call_id": "2", field: value}))))
    error = caught.value
    assert (error.subject, error.field, error.value) == ("bank call on line 3", field, value)
    assert reason in str(error)


def test_a_row_with_too_few_columns() -> None:
    text = tsv(row()).getvalue() + "AA0101\t2\t0\n"
    with pytest.raises(InvalidInput) as caught:
        list(read_bank_calls(io.StringIO(text)))
    assert caught.value.subject == "bank call on line 3"
    assert caught.value.field == "row"
    assert "3 columns, expected 17" in str(caught.value)


def test_a_missing_column_or_an_empty_file() -> None:
    text = "\t".join(c for c in BANK_COLUMNS if c != "q_time") + "\n"
    with pytest.raises(InvalidInput) as caught:
        list(read_bank_calls(io.StringIO(text)))
    assert (caught.value.subject, caught.value.field) == ("bank call on line 1", "q_time")
    with pytest.raises(InvalidInput) as caught:
        list(read_bank_calls(io.StringIO("")))
    assert caught.value.field == "header"


# -- the real month ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def month() -> tuple[list[Call], BankReadReport, list[dict[str, str]]]:
    if not CALLS.exists():
        pytest.skip(f"real data not present at {CALLS}")
    report = BankReadReport()
    calls = list(read_bank_calls(CALLS, report=report))
    with CALLS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return calls, report, rows


def test_the_month_counts_by_outcome_and_reason(
    month: tuple[list[Call], BankReadReport, list[dict[str, str]]],
) -> None:
    calls, report, rows = month
    outcomes = Counter(r["outcome"] for r in rows)
    assert outcomes == Counter({"AGENT": 27162, "HANG": 5904, "PHANTOM": 278})
    in_vru = sum(1 for r in rows if r["outcome"] == "HANG" and r["q_start"] == "0:00:00")
    assert (report.rows, report.calls) == (33_344, 31_125) == (len(rows), len(calls))
    assert report.skipped == Counter(
        {SkipReason.PHANTOM: outcomes["PHANTOM"], SkipReason.LEFT_IN_VRU: in_vru}
    )
    assert in_vru == 1941
    assert report.outcomes == Counter({Outcome.AGENT: 27162, Outcome.HANG: 5904 - in_vru})
    assert report.notes == Counter(
        {
            CallNote.UNIDENTIFIED: 17565,
            CallNote.CUSTOMER_ID_LOST: 21,
            CallNote.DIRECT_TO_AGENT: 13066,
            CallNote.ABANDONED_AT_ONCE: 31,
            CallNote.HANG_WITH_SERVICE_TIMES: 97,
            CallNote.UNNAMED_AGENT: 491,
            CallNote.NO_SERVICE_TIMES: 50,
            CallNote.VRU_EXIT_BEFORE_ENTRY: 23,
            CallNote.CROSSED_MIDNIGHT: 21,
        }
    )
    assert sum(c.abandoned for c in calls) == 3963


def test_the_month_has_unique_ids_and_aware_israeli_times(
    month: tuple[list[Call], BankReadReport, list[dict[str, str]]],
) -> None:
    calls, _, _ = month
    assert len({c.id for c in calls}) == len(calls)
    assert all(c.case_id == c.id for c in calls)
    times = [t for c in calls for t in (c.occurred_at, c.answered_at, c.ended_at) if t]
    assert all(t.tzinfo == ISRAEL and t.utcoffset() == timedelta(hours=2) for t in times)
    first, last = min(c.occurred_at for c in calls), max(c.occurred_at for c in calls)
    assert first.date().isoformat() == "1999-02-01"
    assert last.date().isoformat() == "1999-02-28"
    assert all((c.wait_seconds or 0) >= 0 and (c.talk_seconds or 0) >= 0 for c in calls)


def test_the_month_comes_in_file_order_not_time_order(
    month: tuple[list[Call], BankReadReport, list[dict[str, str]]],
) -> None:
    calls, _, rows = month
    kept = [
        f"bank-{r['vru+line']}-{r['call_id']}"
        for r in rows
        if r["outcome"] != "PHANTOM" and not (r["outcome"] == "HANG" and r["q_start"] == "0:00:00")
    ]
    assert [c.id for c in calls] == kept
    assert any(a.occurred_at > b.occurred_at for a, b in itertools.pairwise(calls))
