"""Severity bands: when a risk indicator reads low, medium or high.

Every indicator of the risk report is worse when higher. Its :class:`Band`
has two levels: a value at or above ``medium`` is medium, at or above
``high`` is high, anything lower is low. An indicator with no data (nothing to
divide by, a check not asked for) is *not measured*, never low.

:class:`RiskThresholds` holds a band per indicator key; the defaults are
:data:`DEFAULT_BANDS` (the risk guide explains each), and a team sets its own
in TOML or JSON:

>>> thresholds = RiskThresholds.from_dict({"unlinked_share": {"medium": 0.02, "high": 0.1}})
>>> thresholds.judge("unlinked_share", 0.03)
<Severity.MEDIUM: 'medium'>
>>> thresholds.judge("unlinked_share", None)
<Severity.UNMEASURED: 'not measured'>
>>> RiskThresholds.from_dict({"unlinked_share": {"medium": 0.2, "high": 0.1}})
Traceback (most recent call last):
...
omnicontext.errors.InvalidInput: invalid risk thresholds: unlinked_share.high=0.1: must be ...
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import attrs

from omnicontext._settings import read_settings
from omnicontext.errors import FieldError, InvalidInput

__all__ = ["DEFAULT_BANDS", "Band", "RiskThresholds", "Severity"]


class Severity(enum.StrEnum):
    """How bad an indicator or a risk reads. Members are plain strings, and
    compare by badness with :meth:`rank`."""

    UNMEASURED = "not measured"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for not measured, then 1 (low) to 3 (high)."""
        return _RANKS[self]


_RANKS = {Severity.UNMEASURED: 0, Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3}


def _number(where: str, value: Any, errors: list[FieldError]) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        errors.append(FieldError(where, value, "must be a finite number"))
        return math.nan
    return float(value)


@attrs.frozen
class Band:
    """The two levels of an indicator: ``medium <= high``, both finite
    numbers; anything else raises :class:`~omnicontext.errors.InvalidInput`.

    >>> Band(0.1, 0.3).judge(0.1)
    <Severity.MEDIUM: 'medium'>
    >>> Band(0.3, 0.1)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid risk band: high=0.1: must be at least medium (0.3)
    """

    medium: float
    high: float

    def __attrs_post_init__(self) -> None:
        errors: list[FieldError] = []
        medium = _number("medium", self.medium, errors)
        high = _number("high", self.high, errors)
        if not errors and high < medium:
            errors.append(FieldError("high", self.high, f"must be at least medium ({medium:g})"))
        if errors:
            raise InvalidInput("risk band", errors)

    def judge(self, value: float | None) -> Severity:
        """The severity of ``value`` (``None``: not measured)."""
        if value is None or math.isnan(value):
            return Severity.UNMEASURED
        if value >= self.high:
            return Severity.HIGH
        if value >= self.medium:
            return Severity.MEDIUM
        return Severity.LOW


DEFAULT_BANDS: Mapping[str, Band] = MappingProxyType(
    {
        # data silos
        "pending_suggestions_per_1000": Band(5, 20),
        "unlinked_share": Band(0.01, 0.05),
        "split_share": Band(0.01, 0.05),
        "switches_without_context": Band(0.10, 0.30),
        "repeat_contact_rate": Band(0.15, 0.25),
        # inconsistent messaging
        "findings_per_1000": Band(5, 20),
        # third-party dependency
        "delivery_failure_rate": Band(0.05, 0.20),
        "fallback_rate": Band(0.05, 0.20),
        "single_provider_channels": Band(1, 3),
        "late_notifications": Band(0.02, 0.10),
        "undelivered_notifications": Band(0.01, 0.05),
        # agent overload
        "occupancy": Band(0.85, 0.95),
        "agents_over_concurrency": Band(0.05, 0.20),
        "agents_sustained_load": Band(0.10, 0.30),
        "agents_without_break": Band(0.05, 0.20),
        # compliance
        "access_outside_role": Band(1, 10),
        "erasures_overdue": Band(1, 1),
        "erasure_residue": Band(1, 1),
        "retention_breaches": Band(1, 1000),
    }
)
"""The built-in bands, by indicator key (shares are fractions: ``0.05`` is 5%)."""


@attrs.frozen
class RiskThresholds:
    """A band per indicator key: :data:`DEFAULT_BANDS` overlaid with the
    team's own."""

    bands: Mapping[str, Band] = attrs.field(factory=lambda: dict(DEFAULT_BANDS))

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.bands, Mapping):
            raise InvalidInput(
                "risk thresholds", [FieldError("bands", self.bands, "must map keys to bands")]
            )
        errors = [
            FieldError(str(key), band, "must be a Band")
            for key, band in self.bands.items()
            if not isinstance(key, str) or not isinstance(band, Band)
        ]
        if errors:
            raise InvalidInput("risk thresholds", errors)

    def band(self, key: str) -> Band:
        """The band of indicator ``key`` (a per-channel or per-provider
        indicator ``findings_per_1000:chat`` uses its own band when set, else
        the one of ``findings_per_1000``); an indicator the thresholds do not
        name keeps its :data:`DEFAULT_BANDS` one. An unknown indicator raises
        :class:`KeyError`.

        >>> RiskThresholds({"occupancy": Band(0.5, 0.7)}).band("unlinked_share")
        Band(medium=0.01, high=0.05)
        """
        if key in self.bands:
            return self.bands[key]
        base = key.split(":", 1)[0]
        if base in self.bands:
            return self.bands[base]
        if base in DEFAULT_BANDS:
            return DEFAULT_BANDS[base]
        raise KeyError(key)

    def judge(self, key: str, value: float | None) -> Severity:
        """The severity of ``value`` for indicator ``key``."""
        return self.band(key).judge(value)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskThresholds:
        """Bands from ``{"unlinked_share": {"medium": 0.01, "high": 0.05}, ...}``:
        keys are :data:`DEFAULT_BANDS` keys, optionally with ``:subject`` for
        one channel or provider; missing keys keep their defaults. Every
        problem is reported at once."""
        if not isinstance(data, Mapping):
            raise InvalidInput(
                "risk thresholds", [FieldError("thresholds", data, "must be a table")]
            )
        errors: list[FieldError] = []
        bands = dict(DEFAULT_BANDS)
        for key, raw in data.items():
            base = str(key).split(":", 1)[0]
            if base not in DEFAULT_BANDS:
                errors.append(
                    FieldError(str(key), raw, f"unknown indicator; one of {sorted(DEFAULT_BANDS)}")
                )
                continue
            if not isinstance(raw, Mapping):
                errors.append(FieldError(str(key), raw, "must be a table with medium and high"))
                continue
            unknown = sorted(set(raw) - {"medium", "high"}, key=str)
            for extra in unknown:
                errors.append(FieldError(f"{key}.{extra}", raw[extra], "unknown setting"))
            before = len(errors)
            default = bands.get(key) or DEFAULT_BANDS[base]
            medium = _number(f"{key}.medium", raw.get("medium", default.medium), errors)
            high = _number(f"{key}.high", raw.get("high", default.high), errors)
            if len(errors) == before and high < medium:
                errors.append(
                    FieldError(
                        f"{key}.high",
                        raw.get("high", high),
                        f"must be at least medium ({medium:g})",
                    )
                )
            if len(errors) == before:
                bands[str(key)] = Band(medium, high)
        if errors:
            raise InvalidInput("risk thresholds", errors)
        return cls(bands)

    @classmethod
    def from_file(cls, path: str | Path) -> RiskThresholds:
        """Read bands from TOML (``.toml``) or JSON (``.json``)."""
        data = read_settings(path, "risk thresholds")
        return cls.from_dict(data)
