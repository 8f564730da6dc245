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
    twin = tmp_path / "twin.toml"
    twin.write_text(EXAMPLE.read_text("utf-8"), encoding="utf-8")
    code, _, err = run(capsys, str(EXAMPLE), "--compare", str(twin), "--format", "html")
    assert code == EXIT_USAGE
    assert "--format html shows one run" in err


def test_replaying_the_calls_of_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = tmp_path / "two_agents.toml"
    scenario.write_text(
        'start = "2026-03-02T09:00:00Z"\n[[agents]]\nid = "ag"\ncount = 2\nchannels = ["phone"]\n',
        encoding="utf-8",
    )
    t = "2026-03-02T09:0{}:00Z"
    calls = [
        # answered after 10 s, talked 2 min; abandoned after 30 s; an email is ignored
        {"id": "c1", "type": "call", "occurred_at": t.format(0), "channel": "phone",
         "customer_id": "a", "actor": "customer", "direction": "inbound", "agent_id": "x",
         "answered_at": "2026-03-02T09:00:10Z", "ended_at": "2026-03-02T09:02:10Z"},
        {"id": "c2", "type": "call", "occurred_at": t.format(1), "channel": "phone",
         "customer_id": "b", "actor": "customer", "direction": "inbound",
         "ended_at": "2026-03-02T09:01:30Z"},
        {"id": "m1", "type": "message", "occurred_at": t.format(2), "channel": "email",
         "customer_id": "c", "actor": "customer", "direction": "inbound", "body": "hi"},
    ]  # fmt: skip
    history = tmp_path / "calls.jsonl"
    history.write_text("".join(json.dumps(c) + "\n" for c in calls), encoding="utf-8")
    code, out, err = run(capsys, str(scenario), "--replay", str(history), "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    data = json.loads(out)
    # Two free agents: both callers are answered at once in the simulation.
    assert (data["offered"], data["overall"]["answered"]) == (2, 2)
    assert data["overall"]["wait"]["mean"] == 0
    empty = tmp_path / "none.jsonl"
    empty.write_text(json.dumps(calls[2]) + "\n", encoding="utf-8")
    code, _, err = run(capsys, str(scenario), "--replay", str(empty))
    assert code == EXIT_USAGE
    assert "no inbound phone calls" in err
