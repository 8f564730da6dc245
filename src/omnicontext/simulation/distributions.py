"""Random durations for the simulator: handle times, patience, wrap-up.

Each distribution is a small frozen object with one method, ``sample(rng)``,
that draws a number of seconds from a :class:`random.Random`, so a seeded run
is reproducible exactly.

>>> import random
>>> rng = random.Random(7)
>>> round(Exponential(mean=180).sample(rng), 3)
70.437
>>> Fixed(30).sample(rng), Empirical((10.0, 20.0, 30.0)).mean
(30.0, 20.0)
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import attrs

from omnicontext.errors import FieldError, InvalidInput

__all__ = [
    "Distribution",
    "Empirical",
    "Exponential",
    "Fixed",
    "LogNormal",
    "distribution_from_dict",
]


class Distribution(Protocol):
    """Draws a duration in seconds; ``mean`` is its expected value."""

    @property
    def mean(self) -> float:
        """The expected value, in seconds."""
        ...

    def sample(self, rng: random.Random) -> float:
        """One draw, in seconds (never negative)."""
        ...


def _positive(subject: str, name: str, value: Any, *, zero: bool = False) -> float:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and math.isfinite(value)
        and (value >= 0 if zero else value > 0)
    )
    if not ok:
        word = ">= 0" if zero else "> 0"
        raise InvalidInput(
            subject, [FieldError(name, value, f"must be a number of seconds {word}")]
        )
    return float(value)


# attrs converters: each checks a number of seconds before it becomes a float.
def _exponential_mean(value: Any) -> float:
    return _positive("exponential distribution", "mean", value)


def _lognormal_mean(value: Any) -> float:
    return _positive("log-normal distribution", "mean", value)


def _lognormal_sd(value: Any) -> float:
    return _positive("log-normal distribution", "sd", value)


def _fixed_value(value: Any) -> float:
    return _positive("fixed distribution", "value", value, zero=True)


@attrs.frozen
class Exponential:
    """Memoryless durations with the given ``mean`` (the M of M/M/c)."""

    mean: float = attrs.field(converter=_exponential_mean)

    def sample(self, rng: random.Random) -> float:
        """One draw."""
        return rng.expovariate(1.0 / self.mean)


@attrs.frozen
class LogNormal:
    """Log-normal durations with the given ``mean`` and standard deviation ``sd``
    (of the durations themselves, not of their logarithm). Call-centre
    service times are close to log-normal."""

    mean: float = attrs.field(converter=_lognormal_mean)
    sd: float = attrs.field(converter=_lognormal_sd)

    @property
    def sigma(self) -> float:
        """The standard deviation of the logarithm."""
        return math.sqrt(math.log1p((self.sd / self.mean) ** 2))

    @property
    def mu(self) -> float:
        """The mean of the logarithm."""
        return math.log(self.mean) - self.sigma**2 / 2

    def sample(self, rng: random.Random) -> float:
        """One draw."""
        return rng.lognormvariate(self.mu, self.sigma)


@attrs.frozen
class Fixed:
    """Always the same duration."""

    value: float = attrs.field(converter=_fixed_value)

    @property
    def mean(self) -> float:
        """The duration itself."""
        return self.value

    def sample(self, rng: random.Random) -> float:
        """The duration (``rng`` is not used, so other draws do not shift)."""
        return self.value


def _values(values: Iterable[float]) -> tuple[float, ...]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidInput(
            "empirical distribution", [FieldError("values", values, "must be a list of seconds")]
        )
    return tuple(
        _positive("empirical distribution", f"values[{i}]", v, zero=True)
        for i, v in enumerate(values)
    )


@attrs.frozen
class Empirical:
    """Durations drawn uniformly from observed ones (handle times from a real
    day, say)."""

    values: tuple[float, ...] = attrs.field(converter=_values)

    def __attrs_post_init__(self) -> None:
        if not self.values:
            raise InvalidInput(
                "empirical distribution", [FieldError("values", [], "needs at least one value")]
            )

    @property
    def mean(self) -> float:
        """The mean of the observed values."""
        return math.fsum(self.values) / len(self.values)

    def sample(self, rng: random.Random) -> float:
        """One of the observed values, each equally likely."""
        return self.values[int(rng.random() * len(self.values))]


_KINDS: Mapping[str, Any] = {
    "exponential": Exponential,
    "lognormal": LogNormal,
    "fixed": Fixed,
    "empirical": Empirical,
}


def distribution_from_dict(data: Any, *, where: str = "distribution") -> Distribution:
    """Read a distribution from its table form, as a scenario file gives it.

    A number is a fixed duration; otherwise ``{"kind": ..., ...}``:

    >>> distribution_from_dict({"kind": "lognormal", "mean": 180, "sd": 120})
    LogNormal(mean=180.0, sd=120.0)
    >>> distribution_from_dict(30)
    Fixed(value=30.0)
    """
    if isinstance(data, int | float) and not isinstance(data, bool):
        try:
            return Fixed(data)
        except InvalidInput as exc:
            raise InvalidInput(
                "scenario", [FieldError(where, data, exc.errors[0].reason)]
            ) from None
    kind = data.get("kind") if isinstance(data, Mapping) else None
    if not isinstance(kind, str) or kind not in _KINDS:
        shown = data.get("kind") if isinstance(data, Mapping) else data
        raise InvalidInput(
            "scenario",
            [
                FieldError(
                    f"{where}.kind", shown, f"expected a number or one of {', '.join(_KINDS)}"
                )
            ],
        )
    fields = {k: v for k, v in data.items() if k != "kind"}
    try:
        made: Distribution = _KINDS[kind](**fields)
    except TypeError as exc:
        raise InvalidInput("scenario", [FieldError(where, dict(data), str(exc))]) from None
    except InvalidInput as exc:
        raise InvalidInput(
            "scenario", [FieldError(f"{where}.{e.field}", e.value, e.reason) for e in exc.errors]
        ) from None
    return made
