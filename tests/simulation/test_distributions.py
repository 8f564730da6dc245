"""The simulator's duration distributions: their moments, reproducibility, and
the errors for bad parameters, directly and through ``distribution_from_dict``."""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from typing import Any

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.simulation import (
    Empirical,
    Exponential,
    Fixed,
    LogNormal,
    distribution_from_dict,
)

DRAWS = 100_000


def draws(distribution: Any, seed: int = 11, n: int = DRAWS) -> list[float]:
    rng = random.Random(seed)
    return [distribution.sample(rng) for _ in range(n)]


def within_standard_errors(values: list[float], mean: float, sd: float, k: float = 4.0) -> bool:
    """Whether the sample mean is within ``k`` standard errors of ``mean``."""
    return abs(statistics.fmean(values) - mean) <= k * sd / math.sqrt(len(values))


# -- moments -------------------------------------------------------------------


@pytest.mark.parametrize("mean", [1.0, 180.0, 3600.0])
def test_exponential_sample_mean_is_its_mean(mean: float) -> None:
    dist = Exponential(mean=mean)
    values = draws(dist)
    assert dist.mean == mean
    # The sd of an exponential is its mean.
    assert within_standard_errors(values, mean, mean)
    assert statistics.pstdev(values) == pytest.approx(mean, rel=0.03)
    assert min(values) >= 0


@pytest.mark.parametrize(("mean", "sd"), [(180.0, 120.0), (300.0, 30.0), (60.0, 90.0)])
def test_lognormal_is_parametrised_by_the_durations_mean_and_sd(mean: float, sd: float) -> None:
    dist = LogNormal(mean=mean, sd=sd)
    values = draws(dist)
    assert dist.mean == mean
    assert dist.sd == sd
    assert within_standard_errors(values, mean, sd)
    assert statistics.pstdev(values) == pytest.approx(sd, rel=0.05)
    assert min(values) > 0


def test_lognormal_log_parameters_give_back_mean_and_sd() -> None:
    dist = LogNormal(mean=180, sd=120)
    mean = math.exp(dist.mu + dist.sigma**2 / 2)
    variance = (math.exp(dist.sigma**2) - 1) * math.exp(2 * dist.mu + dist.sigma**2)
    assert mean == pytest.approx(180)
    assert math.sqrt(variance) == pytest.approx(120)
    logs = [math.log(v) for v in draws(dist, n=20_000)]
    assert statistics.fmean(logs) == pytest.approx(dist.mu, abs=0.02)
    assert statistics.pstdev(logs) == pytest.approx(dist.sigma, rel=0.02)


def test_fixed_always_gives_its_value_and_leaves_the_stream_alone() -> None:
    dist = Fixed(30)
    rng = random.Random(3)
    state = rng.getstate()
    assert [dist.sample(rng) for _ in range(1000)] == [30.0] * 1000
    assert rng.getstate() == state
    assert dist.mean == 30.0
    assert Fixed(0).sample(rng) == 0.0


def test_empirical_draws_each_value_equally_often() -> None:
    dist = Empirical([10, 20, 60])
    assert dist.values == (10.0, 20.0, 60.0)
    assert dist.mean == 30.0
    values = draws(dist)
    sd = statistics.pstdev([10, 20, 60])
    assert within_standard_errors(values, 30.0, sd)
    counts = Counter(values)
    assert set(counts) == {10.0, 20.0, 60.0}
    # Each value one time in three: binomial sd is about 149 for 100k draws.
    for count in counts.values():
        assert abs(count - DRAWS / 3) < 4 * math.sqrt(DRAWS * (1 / 3) * (2 / 3))


def test_empirical_of_one_value_is_that_value() -> None:
    assert draws(Empirical([42]), n=100) == [42.0] * 100
    assert Empirical([0.0, 0.0]).mean == 0.0


@pytest.mark.parametrize(
    "dist",
    [Exponential(mean=180), LogNormal(mean=180, sd=120), Fixed(30), Empirical([1, 2, 3, 5])],
    ids=["exponential", "lognormal", "fixed", "empirical"],
)
def test_same_seed_same_draws(dist: Any) -> None:
    assert draws(dist, seed=5, n=500) == draws(dist, seed=5, n=500)
    assert min(draws(dist, seed=6, n=500)) >= 0


@pytest.mark.parametrize(
    "dist",
    [Exponential(mean=180), LogNormal(mean=180, sd=120), Empirical([1, 2, 3, 5])],
    ids=["exponential", "lognormal", "empirical"],
)
def test_different_seeds_differ(dist: Any) -> None:
    assert draws(dist, seed=5, n=50) != draws(dist, seed=6, n=50)


def test_documented_draw_is_stable() -> None:
    rng = random.Random(7)
    assert round(Exponential(mean=180).sample(rng), 3) == 70.437


def test_distributions_are_frozen_values() -> None:
    assert Exponential(mean=180) == Exponential(mean=180.0)
    assert hash(LogNormal(mean=1, sd=2)) == hash(LogNormal(mean=1.0, sd=2.0))
    with pytest.raises(AttributeError):
        Fixed(3).value = 4  # type: ignore[misc]


# -- validation ----------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, -0.5, math.nan, math.inf, -math.inf])
def test_exponential_mean_must_be_a_positive_number(value: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        Exponential(mean=value)
    assert caught.value.field == "mean"
    assert caught.value.value == value or math.isnan(value)
    assert "mean" in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"mean": 0, "sd": 10}, "mean"),
        ({"mean": -5, "sd": 10}, "mean"),
        ({"mean": math.nan, "sd": 10}, "mean"),
        ({"mean": 10, "sd": 0}, "sd"),
        ({"mean": 10, "sd": -1}, "sd"),
        ({"mean": 10, "sd": math.inf}, "sd"),
    ],
)
def test_lognormal_parameters_must_be_positive(fields: dict[str, float], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        LogNormal(**fields)
    assert caught.value.field == field


@pytest.mark.parametrize("value", [-1, -0.001, math.nan, math.inf])
def test_fixed_value_must_be_a_number_of_seconds(value: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        Fixed(value)
    assert caught.value.field == "value"
    assert caught.value.value == value or math.isnan(value)


def test_empirical_needs_a_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        Empirical([])
    assert caught.value.field == "values"


@pytest.mark.parametrize(
    ("values", "field", "bad"),
    [
        ([10, -2, 30], "values[1]", -2),
        ([math.nan], "values[0]", None),
        ([1, 2, math.inf], "values[2]", math.inf),
    ],
)
def test_empirical_values_must_be_numbers_of_seconds(
    values: list[float], field: str, bad: float | None
) -> None:
    with pytest.raises(InvalidInput) as caught:
        Empirical(values)
    assert caught.value.field == field
    if bad is not None:
        assert caught.value.value == bad


@pytest.mark.parametrize(
    "make",
    [
        lambda: Exponential(mean=True),
        lambda: LogNormal(mean=True, sd=10),
        lambda: Fixed(True),
        lambda: Empirical([10, True]),
    ],
    ids=["exponential", "lognormal", "fixed", "empirical"],
)
def test_a_bool_is_not_a_number_of_seconds(make: Any) -> None:
    # The converter turns True into 1.0 before the check that rejects bools runs.
    with pytest.raises(InvalidInput):
        make()


@pytest.mark.parametrize(
    "make",
    [lambda: Exponential(mean="soon"), lambda: Fixed("a while"), lambda: Empirical(["x"])],
    ids=["exponential", "fixed", "empirical"],
)
def test_a_word_is_not_a_number_of_seconds(make: Any) -> None:
    with pytest.raises(InvalidInput):
        make()


# -- distribution_from_dict ---------------------------------------------------


@pytest.mark.parametrize(("number", "seconds"), [(30, 30.0), (12.5, 12.5), (0, 0.0)])
def test_a_number_is_a_fixed_duration(number: float, seconds: float) -> None:
    assert distribution_from_dict(number) == Fixed(seconds)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "exponential", "mean": 300}, Exponential(mean=300)),
        ({"kind": "lognormal", "mean": 180, "sd": 120}, LogNormal(mean=180, sd=120)),
        ({"kind": "fixed", "value": 45}, Fixed(45)),
        ({"kind": "empirical", "values": [10, 20, 30]}, Empirical([10, 20, 30])),
    ],
)
def test_tables_name_their_kind(data: dict[str, Any], expected: Any) -> None:
    assert distribution_from_dict(data) == expected
    assert distribution_from_dict(data, where="handle") == expected


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "weibull", "mean": 3},
        {"mean": 300},
        {"kind": None},
        "300",
        None,
        True,
        [300],
    ],
)
def test_an_unknown_kind_names_the_kind_field(data: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict(data, where="handle")
    assert caught.value.field == "handle.kind"


def test_an_unhashable_kind_is_invalid_input() -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict({"kind": ["exponential"], "mean": 3}, where="handle")
    assert caught.value.field == "handle.kind"


def test_the_default_path_is_distribution() -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict({"kind": "gamma"})
    assert caught.value.field == "distribution.kind"


@pytest.mark.parametrize(
    ("data", "word"),
    [
        ({"kind": "exponential", "mean": 300, "sd": 4}, "sd"),
        ({"kind": "lognormal", "mean": 300}, "sd"),
        ({"kind": "fixed", "seconds": 4}, "seconds"),
    ],
)
def test_unknown_or_missing_fields_name_the_path(data: dict[str, Any], word: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict(data, where="handle")
    assert caught.value.field.startswith("handle")
    assert word in str(caught.value)


@pytest.mark.parametrize(
    ("data", "field", "value"),
    [
        ({"kind": "exponential", "mean": 0}, "handle.mean", 0),
        ({"kind": "exponential", "mean": -30}, "handle.mean", -30),
        ({"kind": "lognormal", "mean": 180, "sd": -1}, "handle.sd", -1),
        ({"kind": "fixed", "value": -1}, "handle.value", -1),
        ({"kind": "empirical", "values": [1, -2]}, "handle.values[1]", -2),
        ({"kind": "empirical", "values": []}, "handle.values", []),
    ],
)
def test_bad_values_name_the_path(data: dict[str, Any], field: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict(data, where="handle")
    assert caught.value.field == field
    assert caught.value.value == value


def test_nan_in_a_table_names_the_path() -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict({"kind": "exponential", "mean": math.nan}, where="patience")
    assert caught.value.field == "patience.mean"


@pytest.mark.parametrize("number", [-5, math.nan, math.inf])
def test_a_bad_number_names_the_path(number: float) -> None:
    # A bare number becomes Fixed(number); its error should still say where it was.
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict(number, where="handle")
    assert caught.value.field.startswith("handle")


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "exponential", "mean": True},
        {"kind": "fixed", "value": False},
        {"kind": "exponential", "mean": "soon"},
        {"kind": "empirical", "values": ["x"]},
    ],
)
def test_non_numbers_in_a_table_name_the_path(data: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as caught:
        distribution_from_dict(data, where="handle")
    assert caught.value.field.startswith("handle")
