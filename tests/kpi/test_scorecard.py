"""The scorecard: tiles, the terminal table, root causes and the JSON form."""

from __future__ import annotations

import json

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.kpi import (
    Targets,
    compute,
    format_duration,
    format_value,
    root_causes,
    scorecard,
)

from .worked import feed

TARGETS = Targets.from_dict(
    {
        "csat": {"green": 85, "amber": 75},
        "first_response_time": {
            "green": 3600,
            "amber": 14400,
            "channels": {"email": {"green": 600, "amber": 3600}},
        },
        "service_level": {"green": 80, "amber": 30},
    }
)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "\u2013"),
        (0, "0 s"),
        (0.4, "0.4 s"),
        (45, "45 s"),
        (60, "1 min"),
        (250, "4 min 10 s"),
        (3600, "1 h"),
        (7800, "2 h 10 min"),
        (86400, "1 d"),
        (273600, "3 d 4 h"),
    ],
)
def test_durations_read_like_people_say_them(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_values_by_unit() -> None:
    assert format_value("csat", 86.04) == "86.0%"
    assert format_value("nps", -12.4) == "-12"
    assert format_value("first_response_time", 615) == "10 min 15 s"
    assert format_value("volume", 12345) == "12,345"
    assert format_value("fcr", None) == "\u2013"


def test_tiles_judge_every_metric_with_data() -> None:
    card = scorecard(compute(feed), TARGETS)
    tiles = {t.metric: t for t in card.overall}
    assert "sla_compliance" not in tiles  # no data, no tile
    assert (tiles["csat"].status.value, tiles["csat"].display, tiles["csat"].n) == (
        "red",
        "50.0%",
        2,
    )
    assert tiles["first_response_time"].value == 615
    assert tiles["first_response_time"].target_display == "\u2264 1 h"
    assert tiles["service_level"].status.value == "amber"
    assert tiles["aht"].status.value == "none"
    email = {t.metric: t for t in card.by_channel["email"]}
    assert email["first_response_time"].status.value == "red"  # 2 h; the email target is 10 min


def test_chosen_metrics_in_order_and_unknown_ones_refused() -> None:
    card = scorecard(compute(feed), TARGETS, metrics=["nps", "csat"])
    assert [t.metric for t in card.overall] == ["nps", "csat"]
    with pytest.raises(InvalidInput) as caught:
        scorecard(compute(feed), TARGETS, metrics=["speed"])
    assert (caught.value.field, caught.value.value) == ("metrics", "speed")


def test_root_causes_rank_slices_by_their_gap() -> None:
    report = compute(feed, by=("channel", "agent"))
    causes = root_causes(report, TARGETS, min_n=1)
    assert causes, "the worked example misses several targets"
    gaps = [c.gap for c in causes]
    assert gaps == sorted(gaps, reverse=True)
    worst = causes[0]
    # B's email waited 2 h against the email target of 10 min: 11 times past it.
    assert (worst.dimension, worst.key, worst.metric) == (
        "channel",
        "email",
        "first_response_time",
    )
    assert (worst.value, worst.target, worst.gap) == (7200, 600, 11)
    assert worst.status.value == "red"
    assert root_causes(report, TARGETS, min_n=5) == []  # too few items to blame anyone
    assert len(root_causes(report, TARGETS, min_n=1, limit=2)) == 2


def test_the_table_reads_without_colour_and_can_add_it() -> None:
    card = scorecard(compute(feed, by=("channel", "agent")), TARGETS)
    plain = card.to_table(breakdowns=("channel", "agent"))
    assert "\x1b[" not in plain
    assert "\u2716 CSAT" in plain  # red is a symbol, not only a colour
    assert "By channel" in plain
    assert "By agent" in plain
    assert all(line == line.rstrip() for line in plain.splitlines())
    coloured = card.to_table(color=True)
    assert "\x1b[31m" in coloured
    assert "\x1b[32m" in coloured


def test_the_json_form_is_plain_data() -> None:
    card = scorecard(compute(feed, by=("channel", "day"), time_zone="UTC"), TARGETS)
    data = json.loads(json.dumps(card.to_dict()))
    assert data["period"]["time_zone"] == "UTC"
    assert data["trend"]["period"] == "day"
    assert [row["period"] for row in data["trend"]["rows"]] == ["2026-03-02"]
    assert set(data["by_channel"]) == {"chat", "email", "phone", "social_public"}
    tile = data["overall"][1]
    assert set(tile) == {
        "metric",
        "label",
        "status",
        "display",
        "value",
        "n",
        "unit",
        "target_display",
    }


def test_the_period_is_given_in_the_report_s_zone() -> None:
    card = scorecard(compute(feed, by="day", time_zone="Asia/Tokyo"), TARGETS)
    period = card.to_dict()["period"]
    assert period["start"] == "2026-03-02T18:00:00+09:00"  # 09:00 UTC
    assert "2026-03-02 18:00 to 2026-03-03 20:31 Asia/Tokyo" in card.to_table()
