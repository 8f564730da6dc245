"""The register of the real Customer Support on Twitter sample, as the risk
guide shows it (read in place from ``../shared/data``; skipped when absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from omnicontext.cli import EXIT_OK, main

ROOT = Path(__file__).resolve().parents[2]
TWEETS = ROOT.parent / "shared" / "data" / "twcs_sample.csv"
CATALOG = ROOT / "examples" / "catalogs" / "twitter_brands.toml"
GUIDE = ROOT / "docs" / "risk.md"


def _shown() -> str:
    page = GUIDE.read_text("utf-8")
    found = re.search(r"<!-- twitter-register -->\n```text\n(.*?)```", page, re.DOTALL)
    assert found, "the risk guide shows the Twitter register"
    return found.group(1)


@pytest.fixture
def tweets() -> Path:
    if not TWEETS.exists():
        pytest.skip(f"real data not present at {TWEETS}")
    return TWEETS


def test_the_guide_shows_the_register_the_command_prints(
    tweets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["audit", str(tweets), "--from", "twcs", "--catalog", str(CATALOG)]
    assert main([*argv, "--as-of", "2017-10-13T00:00:00+00:00"]) == EXIT_OK
    assert capsys.readouterr().out == _shown()


def test_the_figures_the_guide_discusses(tweets: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import UTC, datetime

    from omnicontext.datasets import read_twcs
    from omnicontext.quality import Catalog
    from omnicontext.risk import risk_report
    from omnicontext.storage import MemoryStore

    store = MemoryStore()
    store.interactions.append_many(read_twcs(tweets))
    report = risk_report(
        store,
        as_of=datetime(2017, 10, 13, tzinfo=UTC),
        catalog=Catalog.from_file(CATALOG),
    )
    switches = report.indicator("switches_without_context")
    assert switches.value == 1.0
    assert "18 of 18 switches (18 asked for in public replies)" in switches.detail
    assert report.consistency.replies == 44
    assert report.consistency.matched == {"words": 4}
    [finding] = report.consistency.findings
    assert (finding.kind.value, finding.answer_key, finding.interaction_ids) == (
        "outdated_version",
        "apple-dm@1",
        ("tw-119271",),
    )
    repeat = report.indicator("repeat_contact_rate")
    assert repeat.value is not None
    assert round(repeat.value, 3) == 0.231
    assert report.risk("third_party_dependency").severity.value == "not measured"
