"""Targets: thresholds, their direction, per-channel overrides, and the file format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.kpi import Count, Durations, Nps, Rate, Resolution, Status, Targets, statistic_of


@pytest.mark.parametrize(
    ("value", "status"),
    [(90.0, "green"), (85.0, "green"), (80.0, "amber"), (75.0, "amber"), (74.9, "red")],
)
def test_higher_is_better(value: float, status: str) -> None:
    targets = Targets.from_dict({"csat": {"green": 85, "amber": 75}})
    assert targets.status("csat", Rate(value, 10)) is Status(status)


@pytest.mark.parametrize(
    ("median", "status"),
    [(30.0, "green"), (60.0, "green"), (61.0, "amber"), (120.0, "amber"), (121.0, "red")],
)
def test_lower_is_better_on_the_median(median: float, status: str) -> None:
    targets = Targets.from_dict({"first_response_time": {"green": 60, "amber": 120}})
    assert targets.status("first_response_time", Durations.of([0.0, median, 999.0])) is Status(
        status
    )


def test_the_statistic_and_channel_overrides() -> None:
    targets = Targets.from_dict(
        {
            "first_response_time": {
                "green": 3600,
                "amber": 7200,
                "statistic": "p90",
                "channels": {"chat": {"green": 60, "amber": 120}},
            },
            "resolution_time": {"green": 100, "amber": 200, "statistic": "full.mean"},
        }
    )
    times = Durations.of([10.0, 20.0, 5000.0])
    assert targets.status("first_response_time", times) is Status.AMBER  # p90 4004
    # A channel override keeps the metric's statistic unless it names its own.
    assert targets.threshold("first_response_time", "chat").statistic == "p90"
    assert targets.status("first_response_time", times, channel="chat") is Status.RED
    assert targets.status("first_response_time", times, channel="email") is Status.AMBER
    resolution = Resolution(Durations.of([50.0]), Durations.of([150.0, 250.0]))
    assert targets.status("resolution_time", resolution) is Status.AMBER  # full mean 200
    assert statistic_of(resolution, "full.mean") == 200.0


def test_no_target_or_no_data_is_none() -> None:
    targets = Targets.from_dict({"csat": {"green": 85, "amber": 75}})
    assert targets.status("nps", Nps.of(promoters=1, passives=0, detractors=0)) is Status.NONE
    assert targets.status("csat", Rate.of(0, 0)) is Status.NONE


def test_statistic_of_each_result() -> None:
    assert statistic_of(Count(7)) == 7.0
    assert statistic_of(Durations.of([]), "median") is None
    assert statistic_of(Resolution(Durations.of([4.0]), Durations.of([])), "first.median") == 4


def test_the_default_targets_cover_the_headline_metrics() -> None:
    defaults = Targets.default()
    for metric in ("csat", "nps", "first_response_time", "resolution_time", "fcr"):
        assert defaults.threshold(metric) is not None
    assert defaults.threshold("aht") is None  # handle time depends on the work


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"happiness": {"green": 1, "amber": 0}}, "happiness"),
        ({"csat": {"green": 75, "amber": 85}}, "csat.amber"),
        ({"aht": {"green": 600, "amber": 300}}, "aht.amber"),
        ({"csat": {"green": "high", "amber": 1}}, "csat.green"),
        ({"csat": {"amber": 1}}, "csat.green"),
        ({"csat": {"green": 9, "amber": 1, "colour": "x"}}, "csat.colour"),
        ({"csat": {"green": 9, "amber": 1, "statistic": "p90"}}, "csat.statistic"),
        ({"aht": {"green": 9, "amber": 10, "statistic": "p99"}}, "aht.statistic"),
        (
            {"resolution_time": {"green": 9, "amber": 10, "statistic": "last.p90"}},
            "resolution_time.statistic",
        ),
        (
            {"csat": {"green": 9, "amber": 1, "channels": {"chat": {"green": 1, "amber": 5}}}},
            "csat.channels.chat.amber",
        ),
        ({"csat": {"green": 9, "amber": 1, "channels": ["chat"]}}, "csat.channels"),
        ({"csat": 85}, "csat"),
        ({"sla": {"chat": {"*": {"first_response": 0}}}}, "sla.chat.*.first_response"),
        ({"volume": {"green": 1, "amber": 0}}, "volume"),
    ],
)
def test_bad_targets_name_the_field_and_value(data: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Targets.from_dict(data)
    assert caught.value.field == field


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidInput) as caught:
        Targets.from_dict({"csat": {"green": 1, "amber": 5}, "nps": {"green": "x", "amber": 0}})
    assert {e.field for e in caught.value.errors} == {"csat.amber", "nps.green"}


def test_files_in_toml_and_json(tmp_path: Path) -> None:
    toml = tmp_path / "targets.toml"
    toml.write_text(
        "[csat]\ngreen = 85\namber = 75\n\n[first_response_time]\ngreen = 3600\namber = 14400\n"
        'channels.chat = { green = 60, amber = 120 }\n\n[sla.chat."*"]\nfirst_response = 60\n',
        encoding="utf-8",
    )
    read = Targets.from_file(toml)
    assert read.threshold("first_response_time", "chat") is not None
    assert read.sla.target_for("chat", "normal") is not None
    same = tmp_path / "targets.json"
    same.write_text(json.dumps({"csat": {"green": 85, "amber": 75}}), encoding="utf-8")
    assert Targets.from_file(same).threshold("csat") == read.threshold("csat")


def test_unreadable_files_are_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="path="):
        Targets.from_file(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[csat\n", encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        Targets.from_file(broken)
    assert caught.value.field == "path"
