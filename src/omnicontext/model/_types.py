"""Small shared field types."""

from __future__ import annotations

import zoneinfo
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

__all__ = ["Id", "LanguageTag", "Tags", "TimeZoneName"]

Id = Annotated[
    str,
    StringConstraints(min_length=1, max_length=256, pattern=r"^\S(?:.*\S)?$"),
]
"""An identifier: 1-256 characters, no leading or trailing white space."""


def _check_zone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError("unknown IANA time zone (for example 'Europe/London')") from None
    return value


TimeZoneName = Annotated[str, StringConstraints(min_length=1), AfterValidator(_check_zone)]
"""An IANA time zone name such as ``Europe/London``, checked against the tz database."""

LanguageTag = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$"),
]
"""A BCP 47 language tag such as ``en``, ``en-GB`` or ``pt-BR``."""


def _canonical_tags(value: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(value)))


Tags = Annotated[
    tuple[Annotated[str, StringConstraints(min_length=1, max_length=128)], ...],
    AfterValidator(_canonical_tags),
    Field(default=()),
]
"""A set of labels, kept sorted and without repeats so equal sets compare equal."""
