"""Bugs found in review, each with the test that failed before its fix."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from omnicontext.cli import EXIT_OK, EXIT_USAGE, main
from omnicontext.errors import InvalidInput
from omnicontext.kpi import (
    Durations,
    KpiAggregator,
    KpiRules,
    SlaPolicy,
    Targets,
    compute,
    scan_jsonl,
    scorecard,
)
from omnicontext.kpi.calendar import BusinessCalendar
from omnicontext.model import Call, Case, Message
from omnicontext.storage import MemoryStore, read_jsonl

from .worked import feed

CHAT = (
    '{"id": "m1", "type": "message", "occurred_at": "2026-03-02T09:00:00Z", "channel": "chat",'
    ' "case_id": "k1", "customer_id": "c1", "actor": "customer", "direction": "inbound",'
    ' "body": "Hi"}\n'
    '{"id": "m2", "type": "message", "occurred_at": "2026-03-02T09:00:20.0000005Z",'
    ' "channel": "chat", "case_id": "k1", "actor": "agent", "agent_id": "ana",'
    ' "direction": "outbound", "body": "Hello"}\n'
)


def test_times_finer_than_a_microsecond_read_the_same_either_way() -> None:
    # msgspec rounded 20.0000005 s up past the 20 s service level; the models cut it.
    fast = compute(i for _, i in scan_jsonl(io.BytesIO(CHAT.encode())))
    models = compute(i for _, i in read_jsonl(io.BytesIO(CHAT.encode())))
    assert fast.to_dict() == models.to_dict()
    assert fast.overall["service_level"].value == 100.0


def test_the_fast_path_refuses_what_the_models_refuse_below_a_microsecond() -> None:
    line = (
        '{"id": "c1", "type": "call", "occurred_at": "2026-03-02T09:00:00.000001Z",'
        ' "answered_at": "2026-03-02T09:00:00.0000009Z", "channel": "phone",'
        ' "customer_id": "c", "actor": "customer", "direction": "inbound"}\n'
    )
    [(_, item)] = scan_jsonl(io.BytesIO(line.encode()))
    assert isinstance(item, InvalidInput)
    assert item.field == "answered_at"


def test_times_near_the_ends_of_the_calendar() -> None:
    early = Message(
        id="m",
        occurred_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
        channel="chat",
        case_id="k",
        actor="customer",
        direction="inbound",
        body="Hi",
    )
    late = early.model_copy(
        update={
            "id": "n",
            "occurred_at": datetime(9999, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-1))),
        }
    )
    report = compute([early, late])
    assert report.start == early.occurred_at
    assert report.end == late.occurred_at
    assert "to" in scorecard(report).to_table()


def test_the_mean_of_huge_durations_does_not_overflow() -> None:
    assert Durations.of([1e308, 1e308]).mean == 1e308


def test_a_folder_of_zones_is_not_a_zone() -> None:
    with pytest.raises(InvalidInput) as caught:
        compute(feed, by="day", time_zone="Europe")
    assert (caught.value.field, caught.value.value) == ("time_zone", "Europe")


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"first_response": float("inf")}, "sla.chat.*.first_response"),
        ({"first_response": 1e15}, "sla.chat.*.first_response"),
        ({"first_response": 1e-9}, "sla.chat.*.first_response"),
        ({}, "sla.chat.*"),
    ],
)
def test_sla_targets_out_of_range_name_their_path(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        SlaPolicy.from_dict({"chat": {"*": spec}})
    assert caught.value.field == field


def test_every_targets_problem_is_reported_whatever_the_names() -> None:
    bad = {"green": 1, "amber": 5}
    with pytest.raises(InvalidInput) as caught:
        Targets.from_dict(
            {"csat": {"green": 85, "amber": 75, "channels": {"chat_vip": bad, "chat": {}}}}
        )
    assert {e.field for e in caught.value.errors} == {
        "csat.channels.chat_vip.amber",
        "csat.channels.chat.green",
        "csat.channels.chat.amber",
    }


def test_a_case_document_that_arrives_after_a_read_is_seen() -> None:
    documents: dict[str, Case] = {}
    live = KpiAggregator(by="tag", cases=documents)
    live.extend(feed)
    assert "vip" not in live.report().breakdowns["tag"]
    documents["B"] = Case(id="B", customer_id="cus_B", tags=("vip",))
    assert "vip" in live.report().breakdowns["tag"]
    assert live.report().to_dict() == compute(feed, by="tag", cases=documents).to_dict()


def test_a_store_s_own_get_is_a_case_lookup() -> None:
    with MemoryStore() as store:
        store.cases.save(Case(id="B", customer_id="cus_B", priority="urgent", tags=("vip",)))
        rules = KpiRules(sla=SlaPolicy.from_dict({"*": {"urgent": {"first_response": 60}}}))
        report = compute(feed, by="tag", cases=store.cases.get, rules=rules)
    assert report.breakdowns["tag"]["vip"]["sla_compliance"].n == 1  # B, and only B


def test_answered_calls_not_yet_ended_are_open_in_handle_time() -> None:
    talking = Call(
        id="c",
        occurred_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        channel="phone",
        customer_id="c",
        actor="customer",
        direction="inbound",
        agent_id="ana",
        answered_at=datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC),
    )
    aht = compute([talking]).overall["aht"]
    assert (aht.n, aht.open) == (0, 1)


def test_a_fixed_offset_zone_shows_its_own_times() -> None:
    plus_five = timezone(timedelta(hours=5))
    card = scorecard(compute(feed, by="day", time_zone=plus_five))
    assert card.to_dict()["period"]["start"] == "2026-03-02T14:00:00+05:00"


def test_a_calendar_that_is_not_a_table_names_the_calendar() -> None:
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar.from_dict([1, 2])  # type: ignore[arg-type]
    assert caught.value.field == "calendar"


def test_measuring_a_missing_sqlite_store_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no_such_dir" / "typo.db"
    assert main(["kpi", f"sqlite:///{missing}"]) == EXIT_USAGE
    assert "no SQLite store" in capsys.readouterr().err
    assert not missing.parent.exists()


def test_a_bad_case_document_is_reported_field_by_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.jsonl"
    history.write_text("".join(i.to_json() + "\n" for i in feed), encoding="utf-8")
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "K1", "customer_id": "c", "priority": "hi"}) + "\n")
    assert main(["kpi", str(history), "--cases", str(cases)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--cases {cases}:1: priority='hi'" in err
    assert "pydantic" not in err
    assert main(["kpi", str(history)]) == EXIT_OK
