"""The published JSON Schema agrees with the parser on real lines of the format."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings

from omnicontext._demo.scenario import interactions_jsonl
from omnicontext.model import interaction_json_schema
from omnicontext.testing.strategies import interactions

SCHEMA = interaction_json_schema()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
DEMO_LINES = [json.loads(line) for line in interactions_jsonl().splitlines() if line.strip()]


def test_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("line", DEMO_LINES, ids=lambda d: str(d["id"]))
def test_every_demo_line_is_valid(line: dict[str, Any]) -> None:
    VALIDATOR.validate(line)


@settings(max_examples=150)
@given(interactions())
def test_every_serialised_interaction_is_valid(item: Any) -> None:
    VALIDATOR.validate(json.loads(item.model_dump_json()))


def test_a_line_without_type_is_invalid() -> None:
    line = dict(DEMO_LINES[0])
    del line["type"]
    assert not VALIDATOR.is_valid(line)


def test_a_line_with_an_unknown_type_is_invalid() -> None:
    assert not VALIDATOR.is_valid({**DEMO_LINES[0], "type": "fax"})
