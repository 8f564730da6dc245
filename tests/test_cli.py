"""The ``omnicontext`` command: import, demo, schema, help and version."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

import omnicontext
from omnicontext import cli
from omnicontext._demo import scenario
from omnicontext.cli import main
from omnicontext.storage import open_store
from omnicontext.testing import factories as f


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _write(path: Path, *records: Any) -> Path:
    lines = [r if isinstance(r, str) else r.to_json() for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return _write(
        tmp_path / "history.jsonl", *(f.message(f"m{i}", at=f.minutes(i)) for i in range(25))
    )


# -- import -------------------------------------------------------------------


def test_import_reports_counts_and_exits_0(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "support.db"
    assert main(["import", str(history), "--store", _url(db), "--batch-size", "10"]) == 0
    out, err = capsys.readouterr()
    assert out == f"{history}: 25 lines, 25 added, 0 duplicates, 0 rejected\n"
    assert err == ""
    with open_store(_url(db)) as store:
        assert store.interactions.count() == 25


def test_importing_the_same_file_twice_adds_nothing(
    history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(tmp_path / "support.db")
    assert main(["import", str(history), "--store", url]) == 0
    capsys.readouterr()
    assert main(["import", str(history), "--store", url, "--batch-size", "7"]) == 0
    assert "25 lines, 0 added, 25 duplicates, 0 rejected" in capsys.readouterr().out
    with open_store(url) as store:
        assert store.interactions.count() == 25


def test_bad_lines_are_named_with_line_field_value_and_reason_and_the_rest_imported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = f.message("m1").to_dict()
    path = _write(
        tmp_path / "mixed.jsonl",
        f.message("m1"),
        json.dumps({**good, "id": "naive", "occurred_at": "2026-01-05T09:00:00"}),
        "{not json",
        f.survey("s1"),
        json.dumps({**f.survey("s2").to_dict(), "csat": 9}),
    )
    url = _url(tmp_path / "support.db")
    assert main(["import", str(path), "--store", url, "--batch-size", "2"]) == 1
    out, err = capsys.readouterr()
    assert "5 lines, 2 added, 0 duplicates, 3 rejected" in out
    lines = err.splitlines()
    assert lines[0].startswith(
        f"{path}:2: occurred_at='2026-01-05T09:00:00': a timezone-aware time is required"
    )
    assert lines[1].startswith(f"{path}:3: interaction='{{not json': Invalid JSON")
    assert lines[2] == f"{path}:5: csat=9: Input should be less than or equal to 5"
    assert "Traceback" not in err
    with open_store(url) as store:
        assert store.interactions.count() == 2
        assert store.interactions.get("s1").type == "survey"


def test_rejections_printed_are_capped_and_the_rest_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = json.dumps({**f.message("x").to_dict(), "occurred_at": "2026-01-05T09:00:00"})
    path = _write(tmp_path / "bad.jsonl", *([bad] * (cli.MAX_PRINTED_REJECTIONS + 10)))
    assert main(["import", str(path), "--store", "memory://"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert len(err) == cli.MAX_PRINTED_REJECTIONS + 1
    assert err[-1] == "... and 10 more rejected lines"


def test_quiet_prints_no_summary_but_still_reports_rejections(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "x.jsonl", f.message("m1"), "{not json")
    assert main(["import", str(path), "--store", "memory://", "--quiet"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{path}:2: interaction=" in err


def _raw_lines(tmp_path: Path) -> Path:
    from omnicontext.model import Identity

    return _write(
        tmp_path / "raw.jsonl",
        f.message("m1", customer_id=None, identity=Identity(kind="phone", value="07911 123456")),
        f.message("m2", customer_id=None, identity=Identity(kind="phone", value="+447911123456")),
        f.message("m3", customer_id=None, identity=Identity(kind="email", value="Ada@X.com")),
    )


def test_import_resolves_raw_identities_to_customers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(tmp_path / "support.db")
    assert main(["import", str(_raw_lines(tmp_path)), "--store", url, "--region", "gb"]) == 0
    assert "3 added" in capsys.readouterr().out
    with open_store(url) as store:
        assert store.customers.count() == 2
        (phone,) = store.customers.find_by_identity("phone:+447911123456")
        timeline = store.interactions.customer_timeline(phone.id)
        assert [i.id for i in timeline] == ["m1", "m2"]
    assert main(["import", str(_raw_lines(tmp_path)), "--store", url, "--region", "GB"]) == 0
    assert "0 added, 3 duplicates" in capsys.readouterr().out


def test_a_national_number_without_region_is_rejected_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(_raw_lines(tmp_path)), "--store", "memory://"]) == 1
    err = capsys.readouterr().err
    assert ":1: value='07911 123456': a number without a leading '+'" in err
    assert "hint: read national phone numbers with --region CC" in err


def test_no_resolve_stores_lines_as_they_are(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = _url(tmp_path / "support.db")
    assert main(["import", str(_raw_lines(tmp_path)), "--store", url, "--no-resolve"]) == 0
    with open_store(url) as store:
        assert store.customers.count() == 0
        assert store.interactions.get("m1").identity.value == "07911 123456"  # type: ignore[union-attr]


def test_an_unknown_region_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", str(_raw_lines(tmp_path)), "--store", "memory://", "--region", "XX"]
    assert main(args) == 2
    assert "argument --region: unknown region 'XX'" in capsys.readouterr().err


def test_a_missing_file_exits_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["import", str(missing), "--store", "memory://"]) == 2
    err = capsys.readouterr().err
    assert f"cannot read FILE={str(missing)!r}" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("nonsense", "not a store URL: url='nonsense'"),
        ("postgres://db/support", "no store adapter for scheme 'postgres'"),
        ("sqlite:///x.db?mode=ro", "sqlite URLs take no options"),
    ],
)
def test_a_bad_store_url_exits_2_naming_it(
    history: Path, url: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(history), "--store", url]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err


def test_a_file_that_is_not_a_database_exits_2(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(history), "--store", _url(history)]) == 2
    assert "cannot open --store" in capsys.readouterr().err


@pytest.mark.parametrize("size", ["0", "-3", "ten", "1.5"])
def test_a_bad_batch_size_exits_2_naming_the_value(
    history: Path, size: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(history), "--store", "memory://", "--batch-size", size]) == 2
    err = capsys.readouterr().err
    assert f"argument --batch-size: must be a positive integer, got {size!r}" in err


def test_custom_channels_are_registered_with_channel(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(
        tmp_path / "custom.jsonl",
        f.message("l1", channel="chat"),
        json.dumps({**f.message("l2").to_dict(), "channel": "line"}),
        json.dumps({**f.message("k1").to_dict(), "channel": "kiosk"}),
    )
    url = _url(tmp_path / "support.db")
    assert main(["import", str(path), "--store", url]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2: channel='line': unknown channel" in err
    assert "--channel" in err  # the hint says how to register it
    args = ["import", str(path), "--store", url, "--channel", "line", "--channel", "kiosk:live"]
    assert main(args) == 0
    assert "3 lines, 2 added, 1 duplicate, 0 rejected" in capsys.readouterr().out
    with open_store(url) as store:
        assert store.interactions.get("k1").channel == "kiosk"


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("Line", "name='Line': a channel name is"),
        ("chat", "name='chat' is already a registered channel"),
        ("line:fast", "mode='fast'"),
    ],
)
def test_a_bad_channel_exits_2_naming_it(
    history: Path, spec: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(history), "--store", "memory://", "--channel", spec]) == 2
    assert says in capsys.readouterr().err


def test_one_channel_with_two_modes_exits_2(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["import", str(history), "--store", "memory://"]
    assert main([*args, "--channel", "line", "--channel", "line:live"]) == 2
    assert "name='line' is given as both async and live" in capsys.readouterr().err


def test_no_progress_bar_when_stderr_is_not_a_terminal(
    history: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["import", str(history), "--store", "memory://", "--batch-size", "5"]) == 0
    assert "\r" not in capsys.readouterr().err


def test_a_progress_bar_on_a_terminal_unless_quiet(
    history: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["import", str(history), "--store", "memory://", "--batch-size", "5"]) == 0
    err = capsys.readouterr().err
    last = err.rstrip("\n").split("\r")[-1]
    assert re.search(r"importing history\.jsonl  \[#{20}\] 100%  25 lines  [\d,]+ lines/s", last)
    assert err.endswith("\n")
    assert main(["import", str(history), "--store", "memory://", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_the_progress_bar_redraws_one_line_at_most_ten_times_a_second() -> None:
    ticks = iter([0.0, 0.05, 0.08, 0.2, 0.5])
    stream = io.StringIO()
    bar = cli._ProgressBar(stream, "importing x", 1000, clock=lambda: next(ticks))
    bar(10, 100)  # drawn: the first call
    bar(20, 200)  # skipped: 0.08 s after the last drawing
    bar(30, 300)  # drawn at 0.2 s
    bar.close()  # the final state, then a new line
    frames = stream.getvalue().split("\r")[1:]
    assert len(frames) == 3
    assert "10%" in frames[0]
    assert "30%" in frames[1]
    assert "30 lines  60 lines/s" in frames[2]
    assert stream.getvalue().endswith("\n")


def test_an_interrupted_import_exits_130(
    history: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: Any, **kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "import_jsonl", interrupted)
    assert main(["import", str(history), "--store", "memory://"]) == 130
    assert "interrupted" in capsys.readouterr().err


def test_a_closed_output_pipe_exits_141_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def reader_gone(*args: Any) -> int:
        raise BrokenPipeError

    monkeypatch.setattr(cli, "_schema", reader_gone)
    assert main(["schema"]) == 141
    assert capsys.readouterr().err == ""


# -- demo ---------------------------------------------------------------------

_TIMELINE_HEADER = "Ada Okafor (cus_ada_okafor, Europe/London, en-GB)"


def _rows(out: str) -> list[list[str]]:
    return [line.split() for line in out.splitlines() if re.match(r"  \d\d:\d\d  ", line)]


def _timeline_part(out: str) -> str:
    return out[out.index(_TIMELINE_HEADER) :]


def _who_part(out: str) -> list[str]:
    return out[out.index("Who is this?") : out.index(_TIMELINE_HEADER)].splitlines()


def test_demo_prints_the_journey_across_four_channels_and_cleans_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    timeline = _timeline_part(out)
    for identity in (
        "twitter  @ada_okafor\n",
        "email    ada.okafor@example.com (verified)",
        "phone    +447911123456 (verified)",
    ):
        assert identity in timeline
    rows = _rows(timeline)
    assert len(rows) == 21
    channels = list(dict.fromkeys(row[1] for row in rows))
    assert channels == ["social_public", "social_private", "chat", "phone"]
    assert rows[0][:4] == ["09:12", "social_public", "message", "customer"]
    assert "Journey: social_public → social_private → chat → phone" in out.splitlines()
    assert "new → open" in out
    assert "open → pending" in out
    assert "pending → solved" in out
    assert "waited 42s, talked 10m 33s, answered by ag_tomas" in out
    assert "CSAT 5/5" in out
    assert "identity_verified (chat, 09:28), card_frozen (chat, 09:31)" in out
    assert "never had to repeat them on phone" in out
    assert list(tmp_path.iterdir()) == []


def test_demo_shows_the_raw_identifiers_becoming_one_customer_before_the_timeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--keep", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    who = _who_part(out)
    text = "\n".join(who)
    assert who[0].startswith("Who is this?")
    # Each raw identifier as it arrived, and the key it normalises to.
    for raw, key, outcome in (
        ('"@Ada_Okafor"', "social:twitter:@ada_okafor", "new profile cus_new_1"),
        ('"https://twitter.com/Ada_Okafor"', "social:twitter:@ada_okafor", "found cus_new_1"),
        ('" Ada.Okafor@Example.com"', "email:ada.okafor@example.com", "found cus_ada_okafor"),
        ('"07911 123456"', "phone:+447911123456", "found cus_ada_tel"),
    ):
        (at,) = [n for n, line in enumerate(who) if raw in line]
        assert who[at + 1].strip().startswith(f"→ {key}: {outcome}")
    # The merges, in order, each on a strong identifier verified on both.
    merges = [line.strip() for line in who if line.strip().startswith("→ cus_")]
    assert merges == [
        "→ cus_new_1 merged into cus_ada_okafor (verified_strong_identifier):",
        "→ cus_ada_tel merged into cus_ada_okafor (verified_strong_identifier):",
    ]
    assert "email:ada.okafor@example.com: same email, verified on 2 of 2" in text
    assert "phone:+447911123456: same phone, verified on 2 of 2" in text
    assert "email:ada.okafor@example.com verified by email_link" in text
    assert "phone:+447911123456 verified by otp_sms" in text
    # The suggestion not made into a merge, with its evidence, score and reason.
    suggested = text[text.index("Suggested to a person, not merged:") :]
    assert "phone:+447911123456 added unverified on cus_ada_leeds" in suggested
    assert "pending, score 0.66" in suggested
    assert "pairs cus_ada_leeds and cus_ada_okafor" in suggested
    assert "same phone, verified on 1 of 2 (weight 0.60)" in suggested
    assert "same name: Ada Okafor (weight 0.15)" in suggested
    assert "Not merged: the shared phone is verified on one profile only" in suggested
    flat = " ".join(text.split())
    assert (
        "Now: 2 customers (and 2 profiles merged into them), 1 pending suggestion, "
        "0 of 21 interactions without a customer." in flat
    )


def test_the_demo_s_own_lines_fit_an_80_column_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--keep", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    intro = out[: out.index(_TIMELINE_HEADER)].splitlines()[2:]  # after the store's path
    assert len(intro) > 30
    assert max(len(line) for line in intro) <= 80


def test_demo_output_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outputs = []
    for name in ("one.db", "two.db"):
        assert main(["demo", "--keep", str(tmp_path / name)]) == 0
        outputs.append(capsys.readouterr().out.replace(name, "NAME"))
    assert outputs[0] == outputs[1]
    assert main(["demo"]) == 0
    first = capsys.readouterr().out
    assert main(["demo"]) == 0
    assert capsys.readouterr().out == first


def test_demo_keep_leaves_a_store_open_store_can_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--keep", str(db)]) == 0
    assert f"Store: SQLite file {db} (kept)." in capsys.readouterr().out
    with open_store(_url(db)) as store:
        # The bank's three profiles, and the one the public post created.
        assert store.customers.count() == 4
        assert store.customers.get("cus_new_1").merged_into == scenario.CUSTOMER_ID
        assert store.interactions.count() == 21
        case = store.cases.get(scenario.CASE_ID)
        assert case.status == "solved"
        assert case.customer_id == scenario.CUSTOMER_ID
        assert len(store.interactions.customer_timeline(scenario.CUSTOMER_ID)) == 21
        assert store.merges.count() == 2
        assert store.suggestions.count("pending") == 1
    assert main(["demo", "--keep", str(db)]) == 2
    assert f"--keep PATH={str(db)!r} exists already" in capsys.readouterr().err


def test_demo_reads_the_timeline_back_from_the_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    pages: list[int] = []
    real = cli._Demo._timeline

    def spy(self: Any, customer_id: str) -> Any:
        items = real(self, customer_id)
        pages.append(len(items))
        return items

    monkeypatch.setattr(cli._Demo, "_timeline", spy)
    assert main(["demo", "--keep", str(tmp_path / "demo.db")]) == 0
    assert pages == [21]
    assert len(_rows(_timeline_part(capsys.readouterr().out))) == 21


# -- schema, help, version ----------------------------------------------------


def test_schema_prints_json_with_the_seven_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema"]) == 0
    out = capsys.readouterr().out
    schema = json.loads(out)
    assert sorted(schema["discriminator"]["mapping"]) == [
        "assignment",
        "call",
        "handoff",
        "message",
        "note",
        "status",
        "survey",
    ]
    assert out.splitlines()[1].startswith('  "')


@pytest.mark.parametrize("indent", [0, 4])
def test_schema_honours_indent(indent: int, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--indent", str(indent)]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)["title"] == "omnicontext interaction"
    second = out.splitlines()[1]
    assert len(second) - len(second.lstrip(" ")) == indent


def test_a_bad_indent_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "--indent", "-1"]) == 2
    assert "must be an integer 0 or more, got '-1'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["import", "demo", "schema"])
def test_each_command_has_help_with_an_example(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "-h"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: omnicontext {command}")
    assert f"  omnicontext {command}" in out.split("example")[1]


def test_the_top_level_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in ("import", "demo", "schema", "exit codes"))


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: omnicontext" in capsys.readouterr().err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"omnicontext {omnicontext.__version__}\n"


def test_python_dash_m_omnicontext_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "omnicontext", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"omnicontext {omnicontext.__version__}\n"


def test_demo_routes_the_call_to_the_agent_who_handled_the_chat(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--keep", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    routing = out[out.index("Routing the call") : out.index("The scenario's scorecard")]
    assert "offered to ag_tomas (longest idle alone\n  would pick ag_funmi)" in routing
    assert "sticky: offered to ag_tomas, who last handled this case" in routing
    assert "ag_ola: capacity: busy with phone live work (other-call)" in routing
    assert "ag_sam: skills: cards 0 < 5" in routing
    assert all(len(line) <= 80 for line in routing.splitlines())


def test_demo_ends_with_the_scenario_s_scorecard(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    card = out[out.index("The scenario's scorecard") :]
    assert "1 case, 21 interactions" in card
    assert re.search(r"\u25cf First response +5 min 41 s", card)
    assert "\u2716 Service level" in card  # the call waited 42 s
    assert "\u2716 First contact resolution" in card
    assert "By channel" in card
    assert all(len(line) <= 80 for line in card.splitlines())


def test_demo_shows_each_handoff_packet_and_the_notices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--keep", str(db)]) == 0
    out = capsys.readouterr().out
    part = out[out.index("Handoffs (Europe/London time)") : out.index("Routing the call")]
    assert all(len(line) <= 80 for line in part.splitlines())
    starts = [part.index(f"[{n}] ") for n in (1, 2, 3, 4)]
    first, second, third, fourth = (
        part[a:b] for a, b in zip(starts, [*starts[1:], len(part)], strict=True)
    )
    # The first reply is on the public channel: the packet masks personal data.
    assert "personal data masked" in first
    assert "ada.okafor@example.com" not in first
    assert "+447911123456" not in first
    assert "email [email]" in first
    assert "social_public \u2192 social_private: sensitivity" in second
    assert "ada.okafor@example.com" in second  # a private channel, an agent: shown
    assert "social_private \u2192 chat" in third
    assert "chat \u2192 phone: escalation" in fourth
    assert "card_frozen (chat, 09:31" in fourth  # done on the chat, shown on the phone
    assert "Pending        emergency_cash" in fourth
    # The notices, each on the channel the customer was on, and the evening update.
    assert "Ada was told on social_public (sent 12 Jun 09:18 via social-api)" in second
    assert "Ada was told on chat (sent 12 Jun 09:32 via chat-widget)" in fourth
    evening = part[part.index("That evening") :]
    assert "quiet hours until 08:00 Europe/London" in evening
    assert "sent 13 Jun 08:00 via sms-backup after sms-primary" in evening
    with open_store(_url(db)) as store:
        assert store.access_log.count() == 4
        assert [r.channel for r in store.access_log.for_customer(scenario.CUSTOMER_ID)] == [
            "social_public",
            "social_private",
            "chat",
            "phone",
        ]
        assert store.outbox.count("sent") == 4


def test_the_demo_ends_with_the_risk_register_of_its_scenario(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    register = out[out.index("The risk register of this scenario") :]
    assert register.rstrip().endswith("(ada-tw-2)")  # the last section of the demo
    for title in (
        "data silos",
        "inconsistent messaging",
        "third-party platform dependency",
        "agent overload",
        "compliance",
    ):
        assert f"\n{title}: " in register
    # What the scenario holds: the public reply lacks the approved answer's
    # disclosure, and the failing SMS gateway made the backup carry the texts.
    assert "missing_disclosure on social_public [move-private@2]" in register
    assert "sms-primary on sms" in register
    assert "100.0%  high" in register
    assert "channel switches without a handoff packet" in register
    assert max(len(line) for line in register.splitlines()) <= 80
