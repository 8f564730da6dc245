"""``omnicontext simulate``: the example scenario from the command line, and comparisons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnicontext.cli import EXIT_OK, EXIT_USAGE, main
from omnicontext.simulation import simulate
from omnicontext.simulation.scenario_file import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "small_team.toml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_example_scenario_runs_and_matches_the_python_api(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, str(EXAMPLE), "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    expected = simulate(load_scenario(EXAMPLE)).to_dict()
    assert json.loads(out) == json.loads(json.dumps(expected))
    assert set(json.loads(out)["by_channel"]) == {"phone", "chat", "email"}
    code, out, _ = run(capsys, str(EXAMPLE))
    assert code == EXIT_OK
    assert out.splitlines()[1].startswith("all channels")


def test_compare_runs_variants_on_the_same_customers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = EXAMPLE.read_text("utf-8")
    more = tmp_path / "more_staff.toml"
    more.write_text(text.replace("count = 4", "count = 6"), encoding="utf-8")
    code, out, _ = run(capsys, str(EXAMPLE), "--compare", str(more), "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    today, bigger = data[str(EXAMPLE)], data[str(more)]
    assert today["offered"] == bigger["offered"]
    assert (
        bigger["by_channel"]["phone"]["service_level"]["value"]
        > today["by_channel"]["phone"]["service_level"]["value"]
    )
    other_day = tmp_path / "other_day.toml"
    other_day.write_text(text.replace("seed = 7", "seed = 8"), encoding="utf-8")
    code, _, err = run(capsys, str(EXAMPLE), "--compare", str(other_day))
    assert code == EXIT_USAGE
    assert "seed" in err
    assert "share their customers" in err


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ('start = "2026-03-02T08:00:00"\n', "start"),
        ('start = "2026-03-02T08:00:00Z"\nlunch = 1\n', "scenario.lunch"),
        (
            'start = "2026-03-02T08:00:00Z"\n[[traffic]]\nchannel = "phone"\nrates = [1]\n'
            'handle = { kind = "gamma", mean = 3 }\n',
            "traffic[0].handle.kind",
        ),
        (
            'start = "2026-03-02T08:00:00Z"\n[policy]\nranker = "fastest"\n',
            "policy.ranker",
        ),
        (
            'start = "2026-03-02T08:00:00Z"\n[[agents]]\nid = "a"\n'
            'shifts = [{ start = "07:00", end = "09:00" }]\n',
            "agents[0].shifts[0].start",
        ),
    ],
)
def test_bad_scenarios_name_the_field(
    content: str, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    code, _, err = run(capsys, str(path))
    assert code == EXIT_USAGE
    assert f"{field}=" in err


def test_one_run_as_a_dashboard_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    page = tmp_path / "day.html"
    code, _, err = run(capsys, str(EXAMPLE), "--format", "html", "--output", str(page))
    assert (code, err) == (EXIT_OK, "")
    html = page.read_text("utf-8")
    assert "Simulated: small_team" in html
    assert "Service level" in html
    assert "phone" in html
    code, _, err = run(capsys, str(EXAMPLE), "--compare", str(EXAMPLE), "--format", "html")
    assert code == EXIT_USAGE
