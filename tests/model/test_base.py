"""The shared Model base: frozen, strict about unknown fields, and every
validation failure translated into our InvalidInput naming field, value and reason."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from typing import ClassVar, Self

import pydantic
import pytest
from pydantic import AwareDatetime, model_validator

from omnicontext.errors import (
    FieldError,
    InvalidInput,
    InvalidTransition,
    OmnicontextError,
    UnknownChannel,
)
from omnicontext.model import Case, Customer, Message
from omnicontext.model._base import Model, invalid
from omnicontext.model._types import Tags
from omnicontext.testing import factories as f


class Widget(Model):
    """A small model exercising the base without any domain rules."""

    _subject: ClassVar[str] = "widget"

    name: str
    count: int = 0
    at: AwareDatetime | None = None
    note: str | None = None
    tags: Tags = ()

    @model_validator(mode="after")
    def _not_thirteen(self) -> Self:
        if self.count == 13:
            raise invalid("count", "thirteen is {unlucky}")
        return self


class Plain(Model):
    """A model that keeps the default subject."""

    name: str


AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


# -- frozen and strict ---------------------------------------------------------------------------


def test_models_are_frozen() -> None:
    w = Widget(name="spanner")
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        w.name = "hammer"  # type: ignore[misc]
    assert w.name == "spanner"


def test_domain_models_are_frozen_too() -> None:
    customer = f.customer()
    with pytest.raises(pydantic.ValidationError, match="frozen"):
        customer.display_name = "Someone else"  # type: ignore[misc]
    assert customer.display_name == "Ada Lovelace"


def test_equal_frozen_records_hash_equal() -> None:
    assert hash(f.message("m1")) == hash(f.message("m1"))
    assert f.message("m1") == f.message("m1")
    assert f.message("m1") != f.message("m2")


@pytest.mark.parametrize(
    "build",
    [
        lambda: Widget(name="x", colour="red"),  # type: ignore[call-arg]
        lambda: Widget.parse({"name": "x", "colour": "red"}),
        lambda: Widget.parse_json('{"name": "x", "colour": "red"}'),
    ],
    ids=["keywords", "parse", "parse_json"],
)
def test_extra_fields_are_rejected_by_every_entry_point(build: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        build()  # type: ignore[operator]
    err = caught.value
    assert err.subject == "widget"
    assert err.errors == (
        FieldError("colour", "red", "unknown field (not part of the data contract)"),
    )
    assert err.field == "colour"
    assert err.value == "red"
    assert (
        str(err) == "invalid widget: colour='red': unknown field (not part of the data contract)"
    )


# -- parse / parse_json / to_json / to_dict ------------------------------------------------------


def test_parse_builds_from_python_data() -> None:
    w = Widget.parse({"name": "x", "count": 3, "at": "2026-01-05T09:00:00Z"})
    assert (w.name, w.count, w.at) == ("x", 3, AT)


@pytest.mark.parametrize("text", ['{"name": "x", "count": 2}', b'{"name": "x", "count": 2}'])
def test_parse_json_accepts_str_and_bytes(text: str | bytes) -> None:
    assert Widget.parse_json(text) == Widget(name="x", count=2)


def test_to_json_is_compact_and_leaves_out_absent_optionals() -> None:
    w = Widget(name="x", at=AT, tags=["b", "a"])
    assert w.to_json() == '{"name":"x","count":0,"at":"2026-01-05T09:00:00Z","tags":["a","b"]}'


def test_to_dict_is_json_compatible() -> None:
    w = Widget(name="x", at=AT)
    assert w.to_dict() == {"name": "x", "count": 0, "at": "2026-01-05T09:00:00Z", "tags": []}


def test_to_dict_and_to_json_parse_back_equal() -> None:
    w = Widget(name="x", count=4, at=AT, note="n", tags=["t"])
    assert Widget.parse(w.to_dict()) == w
    assert Widget.parse_json(w.to_json()) == w


def test_parse_context_reaches_validators() -> None:
    # The channel registry travels in the validation context; None accepts any well-formed name.
    data = f.message("m1").to_dict() | {"channel": "carrier_pigeon"}
    assert Message.parse(data, context={"channels": None}).channel == "carrier_pigeon"
    with pytest.raises(UnknownChannel):
        Message.parse(data)


# -- the translation of pydantic errors ----------------------------------------------------------


def test_missing_field_names_the_field_with_no_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse({})
    assert caught.value.errors == (FieldError("name", None, "field required"),)
    assert str(caught.value) == "invalid widget: name=None: field required"


def test_every_error_is_listed_in_input_order() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse({"count": "many", "at": "2026-01-05T09:00:00"})
    err = caught.value
    assert [(e.field, e.value) for e in err.errors] == [
        ("name", None),
        ("count", "many"),
        ("at", "2026-01-05T09:00:00"),
    ]
    assert err.errors[1].reason.startswith("Input should be a valid integer")
    assert err.field == "name"
    assert err.value is None
    assert str(err).count("; ") == 2
    assert str(err).startswith("invalid widget: name=None: field required; count='many': ")


def test_naive_time_reason_is_ours() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget(name="x", at=datetime(2026, 1, 5, 9, 0))
    err = caught.value
    assert err.field == "at"
    assert err.value == datetime(2026, 1, 5, 9, 0)
    assert err.errors[0].reason == (
        "a timezone-aware time is required (naive times are never guessed)"
    )


def test_model_validator_blames_the_named_field_and_its_input_value() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse({"name": "x", "count": 13})
    # Braces would be format placeholders for pydantic; they become parentheses.
    assert caught.value.errors == (FieldError("count", 13, "thirteen is (unlucky)"),)


def test_value_error_prefix_is_dropped() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer(id="c1", time_zone="Mars/Olympus")
    assert caught.value.errors == (
        FieldError(
            "time_zone", "Mars/Olympus", "unknown IANA time zone (for example 'Europe/London')"
        ),
    )


def test_nested_errors_carry_their_full_path() -> None:
    with pytest.raises(InvalidInput) as caught:
        Customer.parse(
            {
                "id": "c1",
                "identities": [
                    {"kind": "email", "value": "ada@example.com"},
                    {"kind": "social", "value": "@ada"},
                ],
            }
        )
    assert caught.value.subject == "customer"
    assert caught.value.errors == (
        FieldError("identities[1].platform", None, "a social identity names its platform"),
    )


def test_input_of_the_wrong_shape_blames_the_subject() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse(["name", "x"])
    assert caught.value.field == "widget"
    assert caught.value.value == ["name", "x"]


def test_malformed_json_blames_the_subject() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse_json('{"name": ')
    assert caught.value.field == "widget"
    assert caught.value.value == '{"name": '
    assert caught.value.errors[0].reason.startswith("Invalid JSON")


def test_default_subject_is_record() -> None:
    with pytest.raises(InvalidInput, match=r"^invalid record: name=None: field required$"):
        Plain.parse({})


def test_long_values_are_shortened_in_the_message_but_kept_whole() -> None:
    long = "z" * 200
    with pytest.raises(InvalidInput) as caught:
        Widget(name="x", count=long)
    assert caught.value.value == long
    shown = str(caught.value).split(": ", 1)[1]
    # repr() cut to 80 characters: the quote, 76 characters and an ellipsis.
    assert shown.startswith("count='" + "z" * 76 + "...: ")
    assert long not in str(caught.value)


def test_pydantic_error_is_not_chained() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse({})
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


def test_invalid_input_is_a_value_error_rooted_in_ours() -> None:
    with pytest.raises(InvalidInput) as caught:
        Widget.parse({})
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, OmnicontextError)
    assert not isinstance(caught.value, pydantic.ValidationError)


def test_invalid_input_without_errors() -> None:
    err = InvalidInput("widget", [])
    assert (err.field, err.value, str(err)) == ("", None, "invalid widget: no details")


def test_field_error_str_shows_field_value_and_reason() -> None:
    assert (
        str(FieldError("csat", 7, "must be between 1 and 5")) == "csat=7: must be between 1 and 5"
    )
    assert str(FieldError("body", None, "field required")) == "body=None: field required"


# -- exceptions survive pickling (they cross process boundaries) ---------------------------------


def _raised(build: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        build()  # type: ignore[operator]
    return caught.value


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (lambda: Widget.parse({"count": "x"}), InvalidInput),
        (lambda: Message.parse(f.message("m1").to_dict() | {"channel": "pager"}), UnknownChannel),
        (
            lambda: Case(id="k", customer_id="c", status="closed").transition("open"),
            InvalidTransition,
        ),
    ],
    ids=["invalid-input", "unknown-channel", "invalid-transition"],
)
def test_exceptions_pickle_round_trip(build: object, kind: type[InvalidInput]) -> None:
    original = _raised(build)
    assert type(original) is kind
    copy = pickle.loads(pickle.dumps(original))
    assert type(copy) is kind
    assert copy.subject == original.subject
    assert copy.errors == original.errors
    assert str(copy) == str(original)
    assert copy.args == original.args
    if isinstance(original, UnknownChannel):
        assert isinstance(copy, UnknownChannel)
        assert copy.known == original.known
        assert "chat" in copy.known
