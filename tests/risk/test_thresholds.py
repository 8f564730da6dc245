"""Severity bands: :class:`Band`, :class:`Severity` and :class:`RiskThresholds`,
from Python, from a table, from TOML and JSON files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.risk.thresholds import DEFAULT_BANDS, Band, RiskThresholds, Severity

# ------------------------------------------------------------------ Band and Severity


def test_band_edges() -> None:
    band = Band(0.1, 0.3)
    assert band.judge(0.1) is Severity.MEDIUM
    assert band.judge(math.nextafter(0.1, 0.0)) is Severity.LOW
    assert band.judge(0.3) is Severity.HIGH
    assert band.judge(math.nextafter(0.3, 0.0)) is Severity.MEDIUM
    assert band.judge(0.0) is Severity.LOW
    assert band.judge(None) is Severity.UNMEASURED
    assert band.judge(math.nan) is Severity.UNMEASURED


def test_a_band_with_equal_levels_has_no_medium() -> None:
    band = Band(1, 1)
    assert [band.judge(v) for v in (0, 0.999, 1, 2)] == [
        Severity.LOW,
        Severity.LOW,
        Severity.HIGH,
        Severity.HIGH,
    ]


def test_severity_ranks_and_values() -> None:
    assert [s.rank for s in Severity] == [0, 1, 2, 3]
    assert [str(s) for s in Severity] == ["not measured", "low", "medium", "high"]
    assert Severity("medium") is Severity.MEDIUM


@pytest.mark.parametrize(
    ("medium", "high", "field"),
    [
        (0.5, 0.1, "high"),
        (math.nan, 1.0, "medium"),
        (0.1, math.inf, "high"),
        ("0.1", 1.0, "medium"),
        (True, 2.0, "medium"),
    ],
)
def test_a_band_checks_its_levels(medium: object, high: object, field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        Band(medium, high)  # type: ignore[arg-type]
    assert err.value.field == field


def test_every_default_band_is_ordered() -> None:
    assert len(DEFAULT_BANDS) == 19
    for key, band in DEFAULT_BANDS.items():
        assert band.medium <= band.high, key


@settings(max_examples=25, deadline=None)
@given(
    levels=st.tuples(
        st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False)
    ).map(sorted),
    values=st.tuples(
        st.floats(-2e6, 2e6, allow_nan=False), st.floats(-2e6, 2e6, allow_nan=False)
    ).map(sorted),
)
def test_severity_is_monotone_in_the_value(levels: list[float], values: list[float]) -> None:
    band = Band(levels[0], levels[1])
    low, high = (band.judge(v) for v in values)
    assert low.rank <= high.rank
    assert low is not Severity.UNMEASURED
    assert band.judge(levels[0]).rank >= Severity.MEDIUM.rank
    assert band.judge(levels[1]) is Severity.HIGH


# ------------------------------------------------------------------ RiskThresholds


def test_defaults_and_judge() -> None:
    thresholds = RiskThresholds()
    assert dict(thresholds.bands) == dict(DEFAULT_BANDS)
    assert thresholds.judge("occupancy", 0.85) is Severity.MEDIUM
    assert thresholds.judge("occupancy", 0.8499) is Severity.LOW
    assert thresholds.judge("occupancy", 0.95) is Severity.HIGH
    assert thresholds.judge("occupancy", None) is Severity.UNMEASURED


def test_a_subject_key_falls_back_to_its_indicator() -> None:
    thresholds = RiskThresholds()
    assert thresholds.band("findings_per_1000:chat") == DEFAULT_BANDS["findings_per_1000"]
    assert thresholds.band("delivery_failure_rate:sms-a/sms") == Band(0.05, 0.20)
    with pytest.raises(KeyError):
        thresholds.band("no_such_indicator")


def test_partial_bands_keep_the_defaults_for_the_rest() -> None:
    thresholds = RiskThresholds({"occupancy": Band(0.5, 0.7)})
    assert thresholds.judge("occupancy", 0.6) is Severity.MEDIUM
    assert thresholds.band("unlinked_share") == DEFAULT_BANDS["unlinked_share"]
    assert thresholds.band("findings_per_1000:chat") == DEFAULT_BANDS["findings_per_1000"]


def test_bands_must_be_bands() -> None:
    with pytest.raises(InvalidInput) as err:
        RiskThresholds({"occupancy": (0.5, 0.7)})  # type: ignore[dict-item]
    assert (err.value.field, err.value.value) == ("occupancy", (0.5, 0.7))
    with pytest.raises(InvalidInput) as err:
        RiskThresholds([Band(0, 1)])  # type: ignore[arg-type]
    assert err.value.field == "bands"


def test_from_dict_overrides_one_level_and_keeps_the_other() -> None:
    thresholds = RiskThresholds.from_dict(
        {"unlinked_share": {"medium": 0.02}, "occupancy": {"high": 0.9}}
    )
    assert thresholds.band("unlinked_share") == Band(0.02, 0.05)
    assert thresholds.band("occupancy") == Band(0.85, 0.9)
    assert thresholds.band("split_share") == DEFAULT_BANDS["split_share"]


def test_from_dict_per_subject_keys() -> None:
    thresholds = RiskThresholds.from_dict(
        {
            "findings_per_1000": {"medium": 10, "high": 40},
            "findings_per_1000:chat": {"medium": 2, "high": 4},
            "delivery_failure_rate:sms-a/sms": {"high": 0.5},
        }
    )
    assert thresholds.band("findings_per_1000:chat") == Band(2, 4)
    assert thresholds.band("findings_per_1000:email") == Band(10, 40)
    assert thresholds.band("findings_per_1000") == Band(10, 40)
    # A level not given for the subject comes from the indicator's default.
    assert thresholds.band("delivery_failure_rate:sms-a/sms") == Band(0.05, 0.5)
    assert thresholds.judge("findings_per_1000:chat", 3) is Severity.MEDIUM
    assert thresholds.judge("findings_per_1000:email", 3) is Severity.LOW


def test_from_dict_takes_whole_numbers() -> None:
    band = RiskThresholds.from_dict({"retention_breaches": {"medium": 1, "high": 50}}).band(
        "retention_breaches"
    )
    assert band == Band(1.0, 50.0)
    assert isinstance(band.medium, float)


def test_from_dict_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_dict(
            {
                "unlinked": {"medium": 0.1},
                "occupancy": {"medium": "high", "high": 0.9},
                "split_share": {"medium": 0.2, "high": 0.1},
                "fallback_rate": {"medium": True},
                "late_notifications": {"low": 0.1},
                "erasure_residue": 3,
                "repeat_contact_rate": {"high": math.inf},
            }
        )
    found = {e.field: e.value for e in err.value.errors}
    assert found == {
        "unlinked": {"medium": 0.1},
        "occupancy.medium": "high",
        "split_share.high": 0.1,
        "fallback_rate.medium": True,
        "late_notifications.low": 0.1,
        "erasure_residue": 3,
        "repeat_contact_rate.high": math.inf,
    }
    assert len(err.value.errors) == len(found)
    reasons = {e.field: e.reason for e in err.value.errors}
    assert "unknown indicator" in reasons["unlinked"]
    assert "at least medium (0.2)" in reasons["split_share.high"]
    assert reasons["occupancy.medium"] == "must be a finite number"
    assert reasons["late_notifications.low"] == "unknown setting"


def test_from_dict_wants_a_table() -> None:
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_dict(["occupancy"])  # type: ignore[arg-type]
    assert (err.value.field, err.value.value) == ("thresholds", ["occupancy"])


def test_from_dict_checks_the_default_level_it_keeps() -> None:
    # medium alone above the default high (0.05) is refused, naming high.
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_dict({"unlinked_share": {"medium": 0.1}})
    assert (err.value.field, err.value.value) == ("unlinked_share.high", 0.05)


# ------------------------------------------------------------------ files


def test_from_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.toml"
    path.write_text(
        "[occupancy]\nmedium = 0.8\nhigh = 0.9\n\n"
        '["findings_per_1000:chat"]\nmedium = 1\nhigh = 2\n',
        encoding="utf-8",
    )
    thresholds = RiskThresholds.from_file(path)
    assert thresholds.band("occupancy") == Band(0.8, 0.9)
    assert thresholds.band("findings_per_1000:chat") == Band(1, 2)
    assert RiskThresholds.from_file(str(path)) == thresholds


def test_from_json_file(tmp_path: Path) -> None:
    path = tmp_path / "thresholds.JSON"
    path.write_text(json.dumps({"fallback_rate": {"medium": 0.1, "high": 0.3}}), "utf-8")
    assert RiskThresholds.from_file(path).band("fallback_rate") == Band(0.1, 0.3)


def test_a_json_nan_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.json"
    path.write_text('{"occupancy": {"medium": NaN}}', "utf-8")
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_file(path)
    assert err.value.field == "occupancy.medium"


@pytest.mark.parametrize(
    ("name", "text", "field"),
    [
        ("bad.toml", "[occupancy\nmedium = 1", "path"),
        ("bad.json", "{not json", "path"),
        ("list.json", "[1, 2]", "thresholds"),
        ("wrong.toml", "[occupancy]\nmedium = 'x'\n", "occupancy.medium"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, field: str) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_file(path)
    assert err.value.field == field
    if field == "path":
        assert err.value.value == str(path)


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.toml"
    path.write_bytes(b"# caf\xe9\n[occupancy]\nmedium = 0.5\n")
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_file(path)
    assert (err.value.field, err.value.value) == ("path", str(path))


def test_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(InvalidInput) as err:
        RiskThresholds.from_file(path)
    assert (err.value.field, err.value.value) == ("path", str(path))
    assert "No such file" in err.value.errors[0].reason
