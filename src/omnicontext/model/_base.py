"""The pydantic base every model shares, and the translation of pydantic's
validation errors into :class:`~omnicontext.errors.InvalidInput`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Self

import pydantic
from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

from omnicontext.errors import FieldError, InvalidInput, UnknownChannel

_CHANNEL_ERROR = "unknown_channel"
_TRANSITION_ERROR = "invalid_transition"

# Reasons pydantic gives in its own words that read better in ours.
_REASONS = {
    "timezone_aware": "a timezone-aware time is required (naive times are never guessed)",
    "missing": "field required",
    "extra_forbidden": "unknown field (not part of the data contract)",
    "union_tag_invalid": "unknown type",
    "union_tag_not_found": "field required (it selects the record type)",
}


def invalid(field: str, reason: str) -> PydanticCustomError:
    """The error a model validator raises to reject ``field`` with ``reason``.

    Model-level checks span several fields; naming the one to blame keeps the
    user's error message pointed at a field and its value.
    """
    return PydanticCustomError(
        "invalid_field", reason.replace("{", "(").replace("}", ")"), {"field": field}
    )


def _input_value(container: Any, field: str) -> Any:
    if isinstance(container, Mapping):
        return container.get(field)
    return getattr(container, field, None)


def _loc_to_field(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts.append(f"[{item}]")
        elif parts:
            parts.append(f".{item}")
        else:
            parts.append(item)
    return "".join(parts)


def _strip_tag(loc: tuple[int | str, ...], *, tags: frozenset[str]) -> tuple[int | str, ...]:
    """Drop the discriminated-union tag (``message``, ``call``...) from a location.

    pydantic puts the tag right where the union is validated: first for one
    record, after the index for a list of records. Only that part is the tag;
    a later part equal to a tag name is a real field (the ``status`` field of a
    ``status`` record, an unknown field called ``note``) and is kept.
    """
    for i, part in enumerate(loc):
        if isinstance(part, int):
            continue
        if part in tags:
            return loc[:i] + loc[i + 1 :]
        break
    return loc


def _reason(error: Mapping[str, Any]) -> str:
    kind = str(error["type"])
    if kind in _REASONS:
        return _REASONS[kind]
    msg = str(error["msg"])
    # pydantic prefixes custom ValueErrors with "Value error, "; it adds nothing.
    return re.sub(r"^(Value|Assertion) error, ", "", msg)


def translate(
    exc: pydantic.ValidationError, subject: str, *, tags: frozenset[str] = frozenset()
) -> InvalidInput:
    """Turn a pydantic ``ValidationError`` into our :class:`InvalidInput`.

    Every error keeps its field path and input value. A single unknown-channel
    error becomes :class:`UnknownChannel`, carrying the known names.
    """
    errors: list[FieldError] = []
    known: tuple[str, ...] | None = None
    all_channel = True
    for err in exc.errors(include_url=False):
        loc = _strip_tag(tuple(err["loc"]), tags=tags)
        field = _loc_to_field(loc) or subject
        value = None if err["type"] == "missing" else err.get("input")
        if isinstance(value, bytes | bytearray):
            # A line that is not JSON: report the text the user wrote, not bytes.
            value = bytes(value).decode("utf-8", "replace").rstrip("\r\n")
        ctx = err.get("ctx") or {}
        if err["type"] in ("union_tag_invalid", "union_tag_not_found"):
            discriminator = str(ctx.get("discriminator", "type")).strip("'")
            field = _loc_to_field((*loc, discriminator))
            value = ctx.get("tag")
            reason = _reason(err)
            if tags:
                reason += f"; expected one of {', '.join(sorted(tags))}"
            errors.append(FieldError(field, value, reason))
            all_channel = False
            continue
        named = ctx.get("field")
        if err["type"] == "invalid_field" and named:
            loc = (*loc, str(named))
            field = _loc_to_field(loc)
            value = _input_value(value, str(named))
        if err["type"] == _CHANNEL_ERROR:
            known = tuple(str(ctx.get("known", "")).split(", "))
        else:
            all_channel = False
        errors.append(FieldError(field, value, _reason(err)))
    if known is not None and all_channel:
        return UnknownChannel(subject, errors, known)
    return InvalidInput(subject, errors)


class Model(BaseModel):
    """Base of omnicontext's boundary models: frozen, strict about unknown
    fields, and raising :class:`~omnicontext.errors.InvalidInput` on bad input.

    Build models with keyword arguments, :meth:`parse` (from Python data) or
    :meth:`parse_json` (from a JSON document); all three raise ``InvalidInput``.
    """

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        str_strip_whitespace=False,
        validate_default=False,
        ser_json_timedelta="float",
    )

    _subject: ClassVar[str] = "record"

    def __init__(self, /, **data: Any) -> None:
        try:
            super().__init__(**data)
        except pydantic.ValidationError as exc:
            raise translate(exc, self._subject) from None

    # Tell pydantic this __init__ only translates errors: validation of nested
    # models and unions then stays in pydantic-core instead of calling it.
    __init__.__pydantic_base_init__ = True  # type: ignore[attr-defined]

    @classmethod
    def parse(cls, data: Any, *, context: dict[str, Any] | None = None) -> Self:
        """Validate Python data (a dict, usually) into this model.

        Raises :class:`~omnicontext.errors.InvalidInput` naming every bad field.
        """
        try:
            return cls.model_validate(data, context=context)
        except pydantic.ValidationError as exc:
            raise translate(exc, cls._subject) from None

    @classmethod
    def parse_json(cls, text: str | bytes, *, context: dict[str, Any] | None = None) -> Self:
        """Validate a JSON document into this model.

        Raises :class:`~omnicontext.errors.InvalidInput` naming every bad field.
        """
        try:
            return cls.model_validate_json(text, context=context)
        except pydantic.ValidationError as exc:
            raise translate(exc, cls._subject) from None

    def to_json(self) -> str:
        """The canonical JSON form: the interchange format, without absent optionals."""
        return self.model_dump_json(exclude_none=True)

    def to_dict(self) -> dict[str, Any]:
        """The JSON-compatible dict form (times as ISO-8601 strings)."""
        return self.model_dump(mode="json", exclude_none=True)
