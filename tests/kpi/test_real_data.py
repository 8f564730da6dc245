"""KPIs of real support data, checked against figures computed from the raw files.

Each figure is computed twice: by ``omnicontext.kpi.compute`` over what the
dataset readers produce, and here, from the raw CSV/TSV columns with plain
Python (the csv module, our own thread walk, the statistics module), making
the same inclusion decisions the readers document. They must agree exactly.
Skipped when the data is not next to the checkout (``../shared/data``).
"""

from __future__ import annotations

import csv
import math
import statistics
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from omnicontext.datasets import read_bank_calls, read_twcs
from omnicontext.kpi import Durations, KpiRules, Rate, Result, compute

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TWEETS = DATA / "twcs_sample.csv"
CALLS = DATA / "anonymous_bank_calls_1999_02.tsv"
TOLERANCE = 1e-9


def _rows(path: Path, **options: Any) -> list[dict[str, str]]:
    if not path.exists():
        pytest.skip(f"real data not present at {path}")
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, **options))


def _stats(values: Sequence[float]) -> tuple[float, float, float, int]:
    """Mean, median and 90th percentile (linear interpolation, numpy's default), n."""
    p90 = statistics.quantiles(values, n=10, method="inclusive")[-1]
    return statistics.fmean(values), statistics.median(values), p90, len(values)


def _rate(result: Result, count: int, n: int) -> Rate:
    """The rate, checked to be ``count`` of ``n`` as a percentage."""
    assert isinstance(result, Rate), result
    assert (result.count, result.n) == (count, n)
    assert result.value is not None
    assert math.isclose(result.value, 100 * count / n, rel_tol=0, abs_tol=TOLERANCE)
    return result


def _close(result: Result, mean: float, median: float, p90: float, n: int) -> Durations:
    assert isinstance(result, Durations), result
    assert result.n == n
    for name, expected in (("mean", mean), ("median", median), ("p90", p90)):
        value = getattr(result, name)
        assert value is not None, name
        assert math.isclose(value, expected, rel_tol=0, abs_tol=TOLERANCE), name
    return result


# -- Twitter: first response time per conversation thread ----------------------------------------


def _twitter_first_responses(rows: list[dict[str, str]]) -> tuple[list[float], int]:
    """Seconds from each thread's first customer tweet to the first brand tweet at or
    after it; and the number of threads with a customer tweet and no such reply."""
    tweets = {r["tweet_id"]: r for r in rows}

    def thread_of(tweet_id: str) -> str:
        parent = tweets[tweet_id]["in_response_to_tweet_id"]
        return thread_of(parent) if parent in tweets else tweet_id

    def posted(row: dict[str, str]) -> datetime:
        return datetime.strptime(row["created_at"], "%a %b %d %H:%M:%S %z %Y")

    threads: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        threads.setdefault(thread_of(row["tweet_id"]), []).append(row)
    waits: list[float] = []
    unanswered = 0
    for members in threads.values():
        asked = [posted(r) for r in members if r["inbound"] == "True"]
        if not asked:
            continue
        first = min(asked)
        replies = [posted(r) for r in members if r["inbound"] == "False" and posted(r) >= first]
        if replies:
            waits.append((min(replies) - first).total_seconds())
        else:
            unanswered += 1
    return waits, unanswered


def test_twitter_first_response_times_match_the_raw_threads() -> None:
    rows = _rows(TWEETS)
    waits, unanswered = _twitter_first_responses(rows)
    assert (len(waits), unanswered) == (26, 1)
    report = compute(read_twcs(TWEETS))
    assert report.cases == 27
    for result in (
        report.overall["first_response_time"],
        report.by_channel["social_public"]["first_response_time"],
    ):
        assert _close(result, *_stats(waits)).open == unanswered
    # Brands answered the sample's public tweets within hours, not minutes.
    mean, median, p90, _ = _stats(waits)
    assert 3600 < median < mean < p90 < 12 * 3600


# -- the bank: abandonment, handle time and service level of a month -----------------------------


def _bank_figures(rows: list[dict[str, str]], threshold: int) -> dict[str, Any]:
    """The month's call KPIs from the raw columns, with the reader's inclusion rules:
    PHANTOM rows and callers who hung up in the VRU (HANG, never queued) are left
    out; the wait is ``q_time``, the talk time ``ser_time`` (for answered calls that
    have service times); every HANG left is an abandoned call."""
    live = answered = abandoned = within = 0
    talk: list[float] = []
    for row in rows:
        outcome = row["outcome"]
        queued = row["q_start"] != "0:00:00" or int(row["q_time"]) > 0
        if outcome == "PHANTOM" or (outcome == "HANG" and not queued):
            continue
        live += 1
        if outcome == "HANG":
            abandoned += 1
            continue
        answered += 1
        within += int(row["q_time"]) <= threshold
        no_service = row["ser_start"] == row["ser_exit"] == "0:00:00" and row["ser_time"] == "0"
        if not no_service:
            talk.append(float(row["ser_time"]))
    return {
        "live": live,
        "answered": answered,
        "abandoned": abandoned,
        "within": within,
        "talk": talk,
    }


@pytest.mark.parametrize("threshold", [20, 60])
def test_bank_month_kpis_match_the_raw_columns(threshold: int) -> None:
    rows = _rows(CALLS, delimiter="\t")
    raw = _bank_figures(rows, threshold)
    report = compute(read_bank_calls(CALLS), rules=KpiRules(service_level_seconds=threshold))
    assert list(report.by_channel) == ["phone"]
    for figures in (report.overall, report.by_channel["phone"]):
        _rate(figures["abandonment_rate"], raw["abandoned"], raw["live"])
        service = _rate(figures["service_level"], raw["within"], raw["live"])
        assert service.threshold_seconds == threshold
        _close(figures["aht"], *_stats(raw["talk"]))


def test_bank_month_headline_figures() -> None:
    """The figures the documentation quotes, and loose bounds from the literature."""
    rows = _rows(CALLS, delimiter="\t")
    sl20, sl60 = _bank_figures(rows, 20), _bank_figures(rows, 60)
    live, abandoned = sl20["live"], sl20["abandoned"]
    assert (live, sl20["answered"], abandoned) == (31_125, 27_162, 3_963)
    assert round(100 * abandoned / live, 1) == 12.7
    assert round(100 * sl20["within"] / live, 1) == 52.1
    assert round(100 * sl60["within"] / live, 1) == 67.3
    mean, median, p90, n = _stats(sl20["talk"])
    assert (round(mean, 1), median, p90, n) == (176.7, 107.0, 408.0, 27_112)
    # Loose bounds only: studies of this call centre (Brown et al., JASA 2005) put
    # abandonment among callers who queue at around a fifth in some months and
    # find service times of a few minutes, close to lognormal (a median well below
    # the mean).
    queued = sum(
        1
        for r in rows
        if r["outcome"] != "PHANTOM" and (r["q_start"] != "0:00:00" or int(r["q_time"]) > 0)
    )
    assert 0.15 < abandoned / queued < 0.30
    assert 0.05 < abandoned / live < 0.25
    assert 60 < median < mean < 300
