"""``omnicontext kpi``: the same numbers as the Python API, from a file or a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from omnicontext.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from omnicontext.kpi import Targets, agent_occupancy, compute, scorecard
from omnicontext.kpi.calendar import BusinessCalendar
from omnicontext.model import Case

from .worked import feed, t

HOURS = '{"time_zone": "Europe/London", "hours": {"mon-fri": ["09:00-17:30"]}}'


@pytest.fixture
def history(tmp_path: Path) -> Path:
    path = tmp_path / "history.jsonl"
    path.write_text("".join(i.to_json() + "\n" for i in feed), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["kpi", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_output_equals_the_python_api(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, str(history), "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    data = json.loads(out)
    report = compute(feed)
    expected = json.loads(json.dumps(report.to_dict()))
    assert data.pop("scorecard") == json.loads(
        json.dumps(scorecard(report, Targets.default()).to_dict())
    )
    assert data == expected
    assert data["overall"]["first_response_time"]["median"] == 615


def test_business_time_from_a_calendar_file(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hours = tmp_path / "hours.json"
    hours.write_text(HOURS, encoding="utf-8")
    code, out, _ = run(capsys, str(history), "--calendar", str(hours), "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    calendar = BusinessCalendar.from_file(hours)
    assert data == json.loads(
        json.dumps(
            {
                **compute(feed, calendar=calendar).to_dict(),
                "scorecard": data["scorecard"],
            }
        )
    )
    assert data["by_channel"]["email"]["resolution_time"]["full"]["mean"] == 34_500
    assert data["meta"]["time"] == "business"


def test_the_table_with_targets_and_breakdowns(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text("[csat]\ngreen = 40\namber = 30\n", encoding="utf-8")
    code, out, _ = run(capsys, str(history), "--targets", str(targets), "--by", "agent")
    assert code == EXIT_OK
    assert "\u25cf CSAT" in out  # 50% is green against a 40% target
    assert "By channel" in out
    assert "By agent" in out
    assert "\x1b[" not in out
    code, out, _ = run(capsys, str(history), "--color")
    assert "\x1b[31m" in out


def test_day_breakdowns_need_a_zone(history: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, str(history), "--by", "day")
    assert code == EXIT_USAGE
    assert "time_zone" in err
    assert "never guessed" in err
    code, out, _ = run(
        capsys, str(history), "--by", "day", "--time-zone", "Europe/London", "--format", "json"
    )
    assert code == EXIT_OK
    assert list(json.loads(out)["by_day"]) == ["2026-03-02"]


def test_bad_lines_are_reported_and_the_rest_counted(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with history.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "x", "type": "survey", "occurred_at": "2026-03-02T09:00:00Z", ')
        handle.write('"channel": "email", "case_id": "A", "actor": "customer", "csat": 9}\n')
    code, out, err = run(capsys, str(history), "--format", "json")
    assert code == EXIT_REJECTED
    assert f"{history}:23: csat=9" in err
    assert json.loads(out)["overall"]["csat"]["n"] == 2


def test_a_store_url_source(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "support.db"
    assert main(["import", str(history), "--store", f"sqlite:///{db}", "-q"]) == EXIT_OK
    capsys.readouterr()
    code, out, _ = run(capsys, f"sqlite:///{db}", "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    data.pop("scorecard")
    assert data == json.loads(json.dumps(compute(feed).to_dict()))


def test_case_documents_give_tags(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        Case(id="B", customer_id="cus_B", tags=("billing",)).to_json() + "\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, str(history), "--by", "tag", "--cases", str(cases), "-f", "json")
    assert code == EXIT_USAGE  # -f is not an option: argparse says so
    code, out, _ = run(
        capsys, str(history), "--by", "tag", "--cases", str(cases), "--format", "json"
    )
    assert code == EXIT_OK
    assert json.loads(out)["by_tag"]["billing"]["reopen_rate"]["value"] == 100.0


def test_the_output_file(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out.json"
    code, out, _ = run(capsys, str(history), "--format", "json", "--output", str(target))
    assert (code, out) == (EXIT_OK, "")
    assert json.loads(target.read_text("utf-8"))["overall"]["volume"]["value"] == 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.jsonl"], "cannot read SOURCE='missing.jsonl'"),
        (["{h}", "--targets", "missing.toml"], "--targets"),
        (["{h}", "--calendar", "{bad}"], "--calendar"),
        (["nowhere://x"], "cannot open SOURCE"),
        (["{h}", "--service-level", "-3"], "expected a number of seconds"),
    ],
)
def test_usage_errors(
    argv: list[str],
    message: str,
    history: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = tmp_path / "bad.json"
    bad.write_text('{"time_zone": "Nowhere/Special", "hours": {}}', encoding="utf-8")
    code, _, err = run(capsys, *(a.format(h=history, bad=bad) for a in argv))
    assert code == EXIT_USAGE
    assert message in err


def test_html_output(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("jinja2")
    pytest.importorskip("matplotlib")
    target = tmp_path / "card.html"
    code, _, err = run(capsys, str(history), "--format", "html", "--output", str(target))
    assert (code, err) == (EXIT_OK, "")
    page = target.read_text("utf-8")
    assert page.lstrip().lower().startswith("<!doctype html")
    assert "CSAT" in page


def test_by_agent_adds_each_agent_s_occupancy(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(history), "--by", "agent", "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    expected = agent_occupancy(feed, start=feed[0].occurred_at, end=t("11:31:00", day=3))
    assert data["occupancy"] == {agent: rate.to_dict() for agent, rate in expected.items()}
    assert data["occupancy"]["ben"]["count"] == 600  # both of his holds, Monday and Tuesday
    code, out, _ = run(capsys, str(history), "--by", "agent")
    assert "Occupancy" in out
    assert "busy 10 min" in out
