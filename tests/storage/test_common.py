"""Cursor encoding and time keys shared by the built-in stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.storage._common import decode_cursor, encode_cursor, time_key


@given(st.integers(-(2**62), 2**62), st.text())
def test_cursor_round_trip_is_identity(key: int, id_: str) -> None:
    assert decode_cursor(encode_cursor((key, id_))) == (key, id_)


@pytest.mark.parametrize("bad", ["", "!!!", "bm90IGpzb24", "WzEsMl0", "WyJhIiwiYiJd"])
def test_foreign_cursors_are_invalid_input(bad: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decode_cursor(bad)
    assert caught.value.field == "cursor"


@given(st.datetimes(timezones=st.just(UTC)), st.integers(-14 * 60, 14 * 60))
def test_time_key_is_the_same_instant_in_every_offset(moment: datetime, minutes: int) -> None:
    shifted = moment.astimezone(timezone(timedelta(minutes=minutes)))
    assert time_key(shifted) == time_key(moment)


@given(st.datetimes(timezones=st.just(UTC)), st.datetimes(timezones=st.just(UTC)))
def test_time_key_preserves_order(a: datetime, b: datetime) -> None:
    assert (time_key(a) < time_key(b)) == (a < b)
