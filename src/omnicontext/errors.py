"""The exceptions omnicontext raises.

Every exception derives from :class:`OmnicontextError`, so one ``except`` clause
catches everything the library raises on purpose. Each names the field and the
value that caused it, and says why.

>>> from omnicontext.errors import InvalidInput, OmnicontextError
>>> issubclass(InvalidInput, OmnicontextError) and issubclass(InvalidInput, ValueError)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import attrs

__all__ = [
    "ConflictError",
    "FieldError",
    "InvalidInput",
    "InvalidTransition",
    "NotFound",
    "OmnicontextError",
    "SchemaVersionError",
    "StoreError",
    "UnknownChannel",
    "UnknownStoreScheme",
]

_MAX_VALUE_REPR = 80


def _short(value: Any) -> str:
    text = repr(value)
    if len(text) > _MAX_VALUE_REPR:
        text = text[: _MAX_VALUE_REPR - 3] + "..."
    return text


@attrs.frozen
class FieldError:
    """One reason an input was rejected.

    ``field`` is a dotted path into the input (``"occurred_at"``,
    ``"identity.value"``, ``"[3].csat"``); ``value`` is what was found there (or
    ``None`` when the field was missing); ``reason`` says what is wrong.

    >>> str(FieldError("csat", 7, "must be between 1 and 5"))
    'csat=7: must be between 1 and 5'
    """

    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.field}={_short(self.value)}: {self.reason}"


class OmnicontextError(Exception):
    """Root of every exception omnicontext raises on purpose."""


class InvalidInput(OmnicontextError, ValueError):
    """Input that does not satisfy the data contract.

    ``errors`` lists every problem found, each naming the field, the value and
    the reason; ``str()`` of the exception shows them all.

    >>> err = InvalidInput("survey", [FieldError("csat", 9, "must be between 1 and 5")])
    >>> print(err)
    invalid survey: csat=9: must be between 1 and 5
    >>> err.errors[0].field
    'csat'
    """

    def __init__(self, subject: str, errors: Iterable[FieldError]) -> None:
        self.subject = subject
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(self._message())

    def _message(self) -> str:
        details = "; ".join(str(e) for e in self.errors) or "no details"
        return f"invalid {self.subject}: {details}"

    @property
    def field(self) -> str:
        """The field of the first error (the usual case is exactly one)."""
        return self.errors[0].field if self.errors else ""

    @property
    def value(self) -> Any:
        """The value of the first error."""
        return self.errors[0].value if self.errors else None

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.subject, self.errors))


class UnknownChannel(InvalidInput):
    """A channel name that is not registered.

    ``known`` lists the registered names, so the message tells the user what
    they could have meant.
    """

    def __init__(self, subject: str, errors: Iterable[FieldError], known: Sequence[str]) -> None:
        self.known = tuple(known)
        super().__init__(subject, errors)

    def _message(self) -> str:
        return f"{super()._message()} (known channels: {', '.join(self.known)})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.subject, self.errors, self.known))


class InvalidTransition(InvalidInput):
    """A case status change the lifecycle does not allow (``closed`` -> ``open``)."""


class ConflictError(OmnicontextError):
    """A write that would silently overwrite something else.

    Raised when an interaction id is reused with different content, and when a
    customer or case is saved with a stale ``version`` (optimistic concurrency:
    someone else saved first; reload and retry).
    """

    def __init__(self, message: str, *, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(message)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_conflict, (str(self), self.kind, self.id))


def _rebuild_conflict(message: str, kind: str, id: str) -> ConflictError:
    return ConflictError(message, kind=kind, id=id)


class NotFound(OmnicontextError, LookupError):
    """A record that does not exist: ``kind`` says which sort, ``id`` which one."""

    def __init__(self, kind: str, id: str) -> None:
        self.kind = kind
        self.id = id
        super().__init__(f"{kind} {id!r} not found")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.kind, self.id))


class StoreError(OmnicontextError):
    """A store could not be opened or used (bad URL, unreadable file, ...)."""


class UnknownStoreScheme(StoreError):
    """``open_store`` was given a URL whose scheme no installed adapter serves."""

    def __init__(self, url: str, scheme: str, known: Sequence[str]) -> None:
        self.url = url
        self.scheme = scheme
        self.known = tuple(known)
        super().__init__(
            f"no store adapter for scheme {scheme!r} in url={url!r} "
            f"(installed schemes: {', '.join(self.known) or 'none'}); adapters register "
            "themselves in the 'omnicontext.stores' entry-point group"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.url, self.scheme, self.known))


class SchemaVersionError(StoreError):
    """A database written by a newer omnicontext than the one reading it."""
