"""``omnicontext audit``: the risk register from a file or a store, as the Python
API computes it, and every way the command refuses its input."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from omnicontext.cli import EXIT_OK, EXIT_REJECTED, EXIT_USAGE, main
from omnicontext.model import Interaction
from omnicontext.model.access import AccessRecord
from omnicontext.quality import Catalog
from omnicontext.risk import ErasureRequest, RetentionPolicy, RiskThresholds, risk_report
from omnicontext.storage import MemoryStore, Store, open_store
from omnicontext.testing import factories as f

AS_OF = "2026-01-08T09:00:00+00:00"
WHEN = datetime.fromisoformat(AS_OF)

CATALOG_TOML = """\
[[answers]]
id = "refund-window"
intent = "refund"
version = 1
text = "You can return any item within 14 days for a full refund."

[[answers]]
id = "refund-window"
intent = "refund"
version = 2
text = "You can return any item within 30 days for a full refund. Terms apply."
disclosures = ["terms apply"]
"""

SHOUTING = "WE HAVE ALREADY TOLD YOU THIS TWICE"


def _history() -> list[Interaction]:
    def reply(id: str, minutes: float, channel: str, body: str) -> Interaction:
        return f.message(
            id,
            at=f.minutes(minutes),
            customer_id="cus_1",
            case_id="k1",
            channel=channel,
            direction="outbound",
            body=body,
        )

    return [
        f.message("in-1", at=f.minutes(0), customer_id="cus_1", case_id="k1"),
        reply("r1", 1, "chat", "Hi! You can return any item within 14 days for a full refund."),
        reply("r2", 2, "chat", "You can return any item within 30 days for a full refund."),
        reply("r3", 3, "email", "Thanks for your patience, we are looking into it."),
        f.call("c1", at=f.minutes(10), customer_id="cus_1", case_id="k1"),
    ]


def _write(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return _write(tmp_path / "history.jsonl", *(i.to_json() for i in _history()))


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    return _write(tmp_path / "answers.toml", CATALOG_TOML)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["audit", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def _memory(items: list[Interaction]) -> MemoryStore:
    store = MemoryStore()
    store.interactions.append_many(items)
    return store


def _json(data: Any) -> Any:
    return json.loads(json.dumps(data))


# ------------------------------------------------------------------ formats


def test_json_equals_the_python_api(
    history: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, str(history), "--catalog", str(catalog), "--as-of", AS_OF, "--format", "json"
    )
    assert (code, err) == (EXIT_OK, "")
    data = json.loads(out)
    expected = risk_report(
        _memory(_history()), as_of=WHEN, catalog=Catalog.from_file(catalog)
    ).to_dict(findings=10)
    assert data == _json(expected)
    risks = {r["key"]: r for r in data["risks"]}
    assert risks["inconsistent_messaging"]["severity"] == "high"
    messaging = risks["inconsistent_messaging"]["indicators"][0]
    assert (messaging["key"], messaging["value"]) == ("findings_per_1000", pytest.approx(2000 / 3))
    assert data["consistency"]["findings_by_kind"] == {
        "missing_disclosure": 1,
        "outdated_version": 1,
    }
    assert data["as_of"] == AS_OF


def test_table(history: Path, catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(history), "--catalog", str(catalog), "--as-of", AS_OF)
    assert (code, err) == (EXIT_OK, "")
    assert out.startswith("Risk register as of 2026-01-08T09:00+00:00\n5 interactions, ")
    for title in ("DATA SILOS", "INCONSISTENT MESSAGING", "THIRD-PARTY PLATFORM DEPENDENCY"):
        assert f"{title}: " in out
    assert "AGENT OVERLOAD: " in out
    assert "COMPLIANCE: " in out
    assert "consistency findings per 1,000 agent replies" in out
    assert "CONSISTENCY FINDINGS (2; first 2)" in out
    assert "outdated_version on chat [refund-window@1]" in out


def test_html(history: Path, catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, str(history), "--catalog", str(catalog), "--as-of", AS_OF, "--format", "html"
    )
    assert code == EXIT_OK
    assert out.startswith("<!DOCTYPE html>")
    assert out.rstrip().endswith("</html>")
    assert "<script" not in out
    assert "<h2>Consistency findings (2; first 2)</h2>" in out


def test_findings_caps_the_list_not_the_count(
    history: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        str(history),
        "--catalog",
        str(catalog),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--findings",
        "1",
    )
    assert code == EXIT_OK
    data = json.loads(out)
    assert (len(data["consistency"]["findings"]), data["consistency"]["findings_total"]) == (1, 2)
    code, out, _ = run(
        capsys, str(history), "--catalog", str(catalog), "--as-of", AS_OF, "--findings", "0"
    )
    assert code == EXIT_OK
    assert "CONSISTENCY FINDINGS" not in out


def test_without_a_catalog_only_tone_and_figures_are_checked(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, str(history), "--as-of", AS_OF, "--format", "json")
    assert code == EXIT_OK
    data = json.loads(out)
    assert data["consistency"]["findings_total"] == 0
    assert data == _json(risk_report(_memory(_history()), as_of=WHEN).to_dict(findings=10))


def _seed(store: Store) -> None:
    store.customers.save(f.customer("cus_1"))
    store.cases.save(f.case("k1", "cus_1"))
    store.interactions.append_many(_history())
    store.access_log.record(
        AccessRecord(
            id="acc_1",
            occurred_at=f.minutes(20),
            viewer_id="ctr_7",
            viewer_role="contractor",
            customer_id="cus_1",
            case_id="k1",
            fields_shown=("customer", "identities"),
        )
    )


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_a_sqlite_store(
    tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    url = f"sqlite:///{tmp_path / 'support.db'}"
    with open_store(url) as store:
        _seed(store)
        expected = risk_report(store, as_of=WHEN, catalog=Catalog.from_file(catalog))
    code, out, err = run(capsys, url, "--catalog", str(catalog), "--as-of", AS_OF, "--format", fmt)
    assert (code, err) == (EXIT_OK, "")
    if fmt == "json":
        data = json.loads(out)
        assert data == _json(expected.to_dict(findings=10))
        assert data["silo"]["customers"] == 1
        violations = data["compliance"]["violation_counts"]
        assert violations["fields_beyond_role"] == 1
    elif fmt == "html":
        assert out == expected.to_html(findings=10)
    else:
        assert out == expected.to_text(findings=10)
        assert "access outside the viewer's role" in out


def test_a_missing_sqlite_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'absent.db'}"
    code, out, err = run(capsys, url, "--as-of", AS_OF)
    assert (code, out) == (EXIT_USAGE, "")
    assert "no SQLite store" in err
    assert not (tmp_path / "absent.db").exists()


# ------------------------------------------------------------------ options


def test_thresholds_retention_and_erasure_requests(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    thresholds = _write(
        tmp_path / "t.json", json.dumps({"findings_per_1000": {"medium": 5000, "high": 9000}})
    )
    requests = _write(
        tmp_path / "dsr.jsonl",
        json.dumps({"customer_id": "cus_9", "requested_at": "2025-11-01T00:00:00+00:00"}),
        "",
        json.dumps({"customer_id": "cus_8", "requested_at": AS_OF, "id": "dsr-8"}),
    )
    code, out, err = run(
        capsys,
        str(history),
        "--as-of",
        AS_OF,
        "--format",
        "json",
        "--thresholds",
        str(thresholds),
        "--retention-days",
        "1",
        "--erasure-requests",
        str(requests),
    )
    assert (code, err) == (EXIT_OK, "")
    data = json.loads(out)
    expected = risk_report(
        _memory(_history()),
        as_of=WHEN,
        thresholds=RiskThresholds.from_file(thresholds),
        retention=RetentionPolicy(default=timedelta(days=1)),
        erasure_requests=[
            ErasureRequest("cus_9", datetime.fromisoformat("2025-11-01T00:00:00+00:00")),
            ErasureRequest("cus_8", WHEN, id="dsr-8"),
        ],
    )
    assert data == _json(expected.to_dict(findings=10))
    indicators = {i["key"]: i for r in data["risks"] for i in r["indicators"]}
    assert indicators["retention_breaches"]["value"] == 5  # every interaction is 3 days old
    assert indicators["erasures_overdue"]["value"] == 1  # cus_9; cus_8 is pending
    assert indicators["findings_per_1000"]["thresholds"] == {"medium": 5000, "high": 9000}


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('{"customer_id": "cus_1", "requested_at": "2026-01-01T00:00:00"}', "timezone-aware"),
        ('{"customer_id": "cus_1"}', "requested_at"),
        ('{"customer_id": "cus_1", "requested_at": "yesterday"}', "yesterday"),
        ('["cus_1"]', ":2:"),
        ("not json", ":2:"),
        ('{"customer_id": "", "requested_at": "2026-01-01T00:00:00+00:00"}', "customer_id"),
    ],
)
def test_a_bad_erasure_request_line(
    history: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    needle: str,
) -> None:
    good = json.dumps({"customer_id": "cus_2", "requested_at": AS_OF})
    requests = _write(tmp_path / "dsr.jsonl", good, text)
    code, out, err = run(
        capsys, str(history), "--as-of", AS_OF, "--erasure-requests", str(requests)
    )
    assert (code, out) == (EXIT_USAGE, "")
    assert f"--erasure-requests {requests}:2: " in err
    assert needle in err


def test_a_missing_erasure_requests_file(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.jsonl"
    code, out, err = run(
        capsys, str(history), "--as-of", AS_OF, "--erasure-requests", str(missing)
    )
    assert (code, out) == (EXIT_USAGE, "")
    assert f"--erasure-requests={str(missing)!r}" in err


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        (None, ["--catalog", "path=", "No such file"]),
        ("[[answers]\nid = 1", ["--catalog", "path="]),
        ('[[answers]]\nid = "x"\n', ["--catalog", "answers[0].intent", "answers[0].text"]),
        (
            '[[answers]]\nid = "x"\nintent = "i"\ntext = "Call us."\n'
            'renderings = {sms = "Call us on 0800 123 4567."}\n',
            ["--catalog", "answers[0].renderings.sms", "adds phone"],
        ),
    ],
)
def test_a_bad_catalog(
    history: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str | None,
    needles: list[str],
) -> None:
    path = tmp_path / "answers.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, str(history), "--as-of", AS_OF, "--catalog", str(path))
    assert (code, out) == (EXIT_USAGE, "")
    for needle in needles:
        assert needle in err
    if text is None or text.startswith("[[answers]\n"):
        assert str(path) in err


def test_bad_thresholds(history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "t.toml", "[occupancy]\nmedium = 0.9\nhigh = 0.5")
    code, out, err = run(capsys, str(history), "--as-of", AS_OF, "--thresholds", str(path))
    assert (code, out) == (EXIT_USAGE, "")
    assert f"--thresholds {path}: invalid risk thresholds: occupancy.high=0.5" in err


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--as-of", "2026-01-08T09:00:00"], "has no UTC offset"),
        (["--as-of", "next week"], "expected an ISO-8601 time"),
        (["--retention-days", "0"], "--retention-days"),
        (["--format", "pdf"], "--format"),
        (["--from", "csv"], "--from"),
        (["--findings", "-1"], "--findings"),
    ],
)
def test_usage_errors(
    history: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code, out, err = run(capsys, str(history), *argv)
    assert (code, out) == (EXIT_USAGE, "")
    assert needle in err


def test_a_missing_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.jsonl"
    code, out, err = run(capsys, str(missing), "--as-of", AS_OF)
    assert (code, out) == (EXIT_USAGE, "")
    assert f"SOURCE={str(missing)!r}" in err


def test_rejected_lines_exit_1_with_a_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [i.to_json() for i in _history()]
    naive = json.loads(lines[0])
    naive["id"] = "naive"
    naive["occurred_at"] = "2026-01-05T09:30:00"
    path = _write(
        tmp_path / "mixed.jsonl",
        lines[0],
        '{"id": "broken", "type": "message"}',
        *lines[1:],
        json.dumps(naive),
        "{not json",
    )
    code, out, err = run(capsys, str(path), "--as-of", AS_OF, "--format", "json")
    assert code == EXIT_REJECTED
    rejected = err.splitlines()
    assert [line.split(": ", 1)[0] for line in rejected] == [
        f"{path}:2",
        f"{path}:7",
        f"{path}:8",
    ]
    assert "occurred_at" in rejected[1]
    data = json.loads(out)
    assert data["interactions"] == 5
    assert data == _json(risk_report(_memory(_history()), as_of=WHEN).to_dict(findings=10))


TWCS = """\
tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,115,True,Wed Oct 11 06:55:44 +0000 2017,@AcmeHelp my card stopped working,2,
2,AcmeHelp,False,Wed Oct 11 07:05:44 +0000 2017,@115 Sorry to hear that! Please DM us.,,1
3,116,True,Wed Oct 11 08:00:00 +0000 2017,"@AcmeHelp where is
my refund?",4,
4,AcmeHelp,False,Wed Oct 11 08:10:00 +0000 2017,@116 WE HAVE ALREADY TOLD YOU THIS TWICE,,3
5,116,True,Wed Oct 11 08:12:00 +0000 2017,@AcmeHelp ok,,4
"""


def test_a_twcs_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(TWCS, encoding="utf-8")
    as_of = "2017-10-12T00:00:00+00:00"
    code, out, err = run(capsys, str(path), "--from", "twcs", "--as-of", as_of, "--format", "json")
    assert (code, err) == (EXIT_OK, "")
    data = json.loads(out)
    indicators = {i["key"]: i for r in data["risks"] for i in r["indicators"]}
    assert data["interactions"] == 5
    # Two brand replies on social_public, one of them shouting.
    assert indicators["findings_per_1000"]["value"] == 500.0
    assert indicators["findings_per_1000:social_public"]["value"] == 500.0
    # The brand asked thread 1 to go to DM; nothing shows the move had context.
    assert indicators["switches_without_context"]["value"] == 1.0
    assert indicators["switches_without_context"]["detail"].startswith(
        "1 of 1 switches (1 asked for in public replies)"
    )
    # Authors are plain customer ids: no profiles, nothing unlinked.
    assert indicators["unlinked_share"]["value"] == 0.0
    assert indicators["pending_suggestions_per_1000"]["value"] is None


def test_a_bad_twcs_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(
        TWCS.replace("False,Wed Oct 11 07:05:44", "maybe,Wed Oct 11 07:05:44"), "utf-8"
    )
    code, out, err = run(capsys, str(path), "--from", "twcs", "--as-of", AS_OF)
    assert (code, out) == (EXIT_USAGE, "")
    assert "inbound" in err
    assert "maybe" in err


@pytest.mark.parametrize("fmt", ["table", "json", "html"])
def test_output_writes_the_file(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    code, printed, _ = run(capsys, str(history), "--as-of", AS_OF, "--format", fmt)
    assert code == EXIT_OK
    target = tmp_path / f"risks.{fmt}"
    code, out, err = run(
        capsys, str(history), "--as-of", AS_OF, "--format", fmt, "--output", str(target)
    )
    assert (code, out, err) == (EXIT_OK, "", "")
    assert target.read_text(encoding="utf-8") == printed


def test_output_to_a_folder_that_does_not_exist(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "no" / "such" / "risks.html"
    code, out, err = run(capsys, str(history), "--as-of", AS_OF, "--output", str(target))
    assert (code, out) == (EXIT_USAGE, "")
    assert "cannot write --output" in err


def test_a_custom_channel_reaches_the_catalog(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # --channel registers the channel for the catalog's renderings too.
    line = {
        "id": "w1",
        "type": "message",
        "occurred_at": "2026-01-05T09:00:00+00:00",
        "channel": "wechat",
        "case_id": "k1",
        "actor": "agent",
        "agent_id": "ag_1",
        "direction": "outbound",
        "body": "Open 9am to 5pm.",
    }
    source = tmp_path / "w.jsonl"
    source.write_text(json.dumps(line) + "\n", encoding="utf-8")
    catalog = tmp_path / "c.toml"
    catalog.write_text(
        '[[answers]]\nid = "hours"\nintent = "hours"\ntext = "We are open from 9am to 5pm."\n'
        'renderings = {wechat = "Open 9am to 5pm."}\n',
        encoding="utf-8",
    )
    args = ["audit", str(source), "--channel", "wechat", "--catalog", str(catalog)]
    assert main([*args, "--as-of", "2026-02-01T00:00:00+00:00"]) == EXIT_OK
    assert "INCONSISTENT MESSAGING" in capsys.readouterr().out
    # The reply on the custom channel is its rendering there, matched word for word.
    assert main([*args, "--as-of", "2026-02-01T00:00:00+00:00", "--format", "json"]) == EXIT_OK
    consistency = json.loads(capsys.readouterr().out)["consistency"]
    assert consistency["replies_by_channel"] == {"wechat": 1}
    assert consistency["matched"] == {"words": 1}


def test_a_catalog_with_bad_content_names_its_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "h.jsonl"
    source.write_text(f.message("m1", case_id="k1").to_json() + "\n", encoding="utf-8")
    catalog = tmp_path / "bad.toml"
    catalog.write_text('[[answers]]\nid = "x"\nintent = "i"\ntext = ""\n', encoding="utf-8")
    assert main(["audit", str(source), "--catalog", str(catalog)]) == EXIT_USAGE
    assert f"--catalog {catalog}:" in capsys.readouterr().err


def test_a_repeated_id_with_other_content_is_a_rejected_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = f.message("m1", case_id="k1", body="Hello.")
    again = f.message("m1", case_id="k1", body="Something else.")
    source = tmp_path / "h.jsonl"
    source.write_text(f"{first.to_json()}\n{again.to_json()}\n", encoding="utf-8")
    assert main(["audit", str(source), "--as-of", AS_OF]) == EXIT_REJECTED
    captured = capsys.readouterr()
    assert f"{source}:2: id='m1': repeats the id of an earlier line" in captured.err
    assert "Traceback" not in captured.err
    assert "1 interaction," in captured.out


@pytest.mark.parametrize(
    ("line", "needle"),
    [
        (
            '{"requested_at": "2026-01-01T00:00:00+00:00"}',
            "customer_id=None: a string is required",
        ),
        ('["cus_1"]', "expected an object with customer_id and requested_at"),
        ('{"customer_id": "cus_1", "requested_at": "soon"}', "requested_at='soon'"),
        ("{", "not JSON"),
    ],
)
def test_erasure_request_errors_name_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, needle: str
) -> None:
    source = tmp_path / "h.jsonl"
    source.write_text(f.message("m1", case_id="k1").to_json() + "\n", encoding="utf-8")
    requests = tmp_path / "er.jsonl"
    requests.write_text(line + "\n", encoding="utf-8")
    argv = ["audit", str(source), "--as-of", AS_OF, "--erasure-requests", str(requests)]
    assert main(argv) == EXIT_USAGE
    assert needle in capsys.readouterr().err
