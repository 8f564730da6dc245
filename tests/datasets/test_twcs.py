"""read_twcs: the Customer Support on Twitter corpus as messages, threads as cases.

The unit tests use invented tweets in the corpus' format; the last tests read
the public sample from ``../shared/data`` next to the checkout (skipped when it
is not there).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from omnicontext.datasets import TWCS_COLUMNS, read_twcs
from omnicontext.errors import InvalidInput
from omnicontext.model import Message

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TWEETS = DATA / "twcs_sample.csv"


def tweet(
    tweet_id: str,
    author: str,
    minute: int,
    *,
    parent: str = "",
    replies: str = "",
    text: str | None = None,
    created_at: str | None = None,
) -> list[str]:
    """One row; customers are numeric authors, brands named ones."""
    inbound = "True" if author.isdigit() else "False"
    when = created_at or f"Wed Oct 11 10:{minute:02d}:00 +0000 2017"
    return [tweet_id, author, inbound, when, text or f"tweet {tweet_id}", replies, parent]


def csv_of(*rows: list[str]) -> io.StringIO:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(TWCS_COLUMNS)
    writer.writerows(rows)
    out.seek(0)
    return out


def by_id(messages: list[Message]) -> dict[str, Message]:
    return {m.id.removeprefix("tw-"): m for m in messages}


def at(minute: int) -> datetime:
    return datetime(2017, 10, 11, 10, minute, tzinfo=UTC)


def test_a_customer_tweet_and_a_brand_reply() -> None:
    customer, brand = read_twcs(
        csv_of(tweet("1", "115", 0, replies="2"), tweet("2", "AcmeHelp", 7, parent="1"))
    )
    assert (customer.id, customer.type, customer.channel) == ("tw-1", "message", "social_public")
    assert (customer.actor, customer.direction, customer.customer_id) == (
        "customer",
        "inbound",
        "tw-115",
    )
    assert (customer.agent_id, customer.body, customer.occurred_at) == (None, "tweet 1", at(0))
    assert (brand.actor, brand.direction, brand.agent_id) == ("agent", "outbound", "AcmeHelp")
    assert brand.customer_id == "tw-115"  # the customer the brand answers
    assert customer.case_id == brand.case_id == "tw-1"


def test_a_thread_is_one_case_named_after_its_first_tweet_whatever_the_file_order() -> None:
    rows = [
        tweet("4", "AcmeHelp", 30, parent="3"),
        tweet("2", "AcmeHelp", 10, parent="1"),
        tweet("3", "115", 20, parent="2"),
        tweet("1", "115", 0),
        tweet("9", "116", 5),
    ]
    messages = read_twcs(csv_of(*rows))
    assert [m.id for m in messages] == ["tw-1", "tw-9", "tw-2", "tw-3", "tw-4"]  # time order
    cases = {m.id: m.case_id for m in messages}
    assert cases == {
        "tw-1": "tw-1",
        "tw-2": "tw-1",
        "tw-3": "tw-1",
        "tw-4": "tw-1",
        "tw-9": "tw-9",
    }


def test_a_reply_to_a_tweet_not_in_the_file_starts_its_own_thread() -> None:
    rows = [
        tweet("5", "115", 0, parent="999"),  # answers a tweet outside the sample
        tweet("6", "AcmeHelp", 5, parent="5"),
        tweet("7", "AcmeHelp", 10, parent="998"),  # a brand tweet starting a thread
        tweet("8", "116", 20, parent="7"),
        tweet("10", "AcmeHelp", 30, parent="8"),
    ]
    messages = by_id(read_twcs(csv_of(*rows)))
    assert {k: m.case_id for k, m in messages.items()} == {
        "5": "tw-5",
        "6": "tw-5",
        "7": "tw-7",
        "8": "tw-7",
        "10": "tw-7",
    }
    # The brand tweet that starts a thread answers the customer who then replies.
    assert messages["7"].customer_id == messages["10"].customer_id == "tw-116"


def test_a_thread_without_customers_has_cases_but_no_customer() -> None:
    messages = read_twcs(
        csv_of(tweet("7", "AcmeHelp", 10, parent="998"), tweet("8", "AcmeHelp", 11, parent="7"))
    )
    assert [(m.case_id, m.customer_id) for m in messages] == [("tw-7", None), ("tw-7", None)]


def test_several_replies_to_one_tweet_and_reply_ids_not_in_the_file() -> None:
    rows = [
        tweet("1", "115", 0, replies="2,3,404"),
        tweet("2", "AcmeHelp", 5, parent="1"),
        tweet("3", "AcmeHelp", 6, parent="1", replies="405"),
    ]
    messages = read_twcs(csv_of(*rows))
    assert [(m.id, m.case_id, m.customer_id) for m in messages] == [
        ("tw-1", "tw-1", "tw-115"),
        ("tw-2", "tw-1", "tw-115"),
        ("tw-3", "tw-1", "tw-115"),
    ]


def test_each_customer_keeps_their_tweets_and_a_brand_answers_the_nearest() -> None:
    rows = [
        tweet("1", "115", 0),
        tweet("2", "116", 5, parent="1"),  # "me too"
        tweet("3", "AcmeHelp", 9, parent="2"),
        tweet("4", "AcmeHelp", 12, parent="3"),
        tweet("5", "AcmeHelp", 14, parent="1"),
    ]
    messages = by_id(read_twcs(csv_of(*rows)))
    assert {k: m.customer_id for k, m in messages.items()} == {
        "1": "tw-115",
        "2": "tw-116",
        "3": "tw-116",
        "4": "tw-116",
        "5": "tw-115",
    }
    assert {m.case_id for m in messages.values()} == {"tw-1"}


def test_created_at_is_aware_in_its_own_offset() -> None:
    [message] = read_twcs(
        csv_of(tweet("1", "115", 0, created_at="Sun Dec 31 23:30:05 -0130 2017"))
    )
    assert message.occurred_at == datetime(
        2017, 12, 31, 23, 30, 5, tzinfo=timezone(-timedelta(hours=1, minutes=30))
    )
    assert message.occurred_at.astimezone(UTC) == datetime(2018, 1, 1, 1, 0, 5, tzinfo=UTC)


def test_ids_written_as_decimals_and_multi_line_texts() -> None:
    text = 'Line one, with "quotes"\nline two'
    rows = [tweet("1", "115", 0, text=text), tweet("2.0", "AcmeHelp", 5, parent="1.0")]
    first, second = read_twcs(csv_of(*rows))
    assert first.body == text
    assert (second.id, second.case_id) == ("tw-2", "tw-1")


def test_ties_keep_file_order(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(csv_of(tweet("2", "115", 0), tweet("1", "116", 0)).getvalue(), "utf-8")
    assert [m.id for m in read_twcs(path)] == ["tw-2", "tw-1"]
    assert [m.id for m in read_twcs(str(path))] == ["tw-2", "tw-1"]


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("inbound", "maybe", "True or False"),
        ("created_at", "2017-10-11T10:00:00Z", "Wed Oct 11 06:55:44 +0000 2017"),
        ("created_at", "Wed Foo 11 10:00:00 +0000 2017", "Wed Oct 11"),
        ("created_at", "Wed Feb 30 10:00:00 +0000 2017", "not a valid time"),
        ("text", "", "must not be empty"),
        ("tweet_id", "abc", "numeric tweet id"),
        ("author_id", " ", "must not be empty"),
        ("in_response_to_tweet_id", "x1", "numeric tweet id"),
    ],
)
def test_a_malformed_tweet_names_its_line_column_and_value(
    column: str, value: str, reason: str
) -> None:
    bad = tweet("3", "116", 2)
    bad[TWCS_COLUMNS.index(column)] = value
    # The first tweet spans two lines, so the bad one starts on line 4.
    source = csv_of(tweet("1", "115", 0, text="two\nlines"), bad)
    with pytest.raises(InvalidInput) as caught:
        read_twcs(source)
    error = caught.value
    assert (error.subject, error.field, error.value) == ("tweet on line 4", column, value)
    assert reason in str(error)


def test_a_repeated_tweet_id_names_both_lines() -> None:
    with pytest.raises(InvalidInput) as caught:
        read_twcs(csv_of(tweet("1", "115", 0), tweet("1", "116", 1)))
    assert (caught.value.subject, caught.value.field) == ("tweet on line 3", "tweet_id")
    assert "repeats the tweet on line 2" in str(caught.value)


def test_replies_in_a_cycle_are_rejected() -> None:
    rows = [
        tweet("1", "115", 0, parent="3"),
        tweet("2", "A", 1, parent="1"),
        tweet("3", "116", 2, parent="2"),
    ]
    with pytest.raises(InvalidInput) as caught:
        read_twcs(csv_of(*rows))
    assert caught.value.field == "in_response_to_tweet_id"
    assert "cycle" in str(caught.value)


def test_a_missing_column_a_short_row_or_an_empty_file() -> None:
    text = ",".join(c for c in TWCS_COLUMNS if c != "inbound") + "\n"
    with pytest.raises(InvalidInput) as caught:
        read_twcs(io.StringIO(text))
    assert (caught.value.subject, caught.value.field) == ("tweet on line 1", "inbound")
    with pytest.raises(InvalidInput) as caught:
        read_twcs(io.StringIO(",".join(TWCS_COLUMNS) + "\n1,115,True\n"))
    assert (caught.value.subject, caught.value.field) == ("tweet on line 2", "row")
    with pytest.raises(InvalidInput) as caught:
        read_twcs(io.StringIO(""))
    assert caught.value.field == "header"


# -- the public sample ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> tuple[list[Message], list[dict[str, str]]]:
    if not TWEETS.exists():
        pytest.skip(f"real data not present at {TWEETS}")
    with TWEETS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return read_twcs(TWEETS), rows


def test_the_sample_counts(sample: tuple[list[Message], list[dict[str, str]]]) -> None:
    messages, rows = sample
    assert len(messages) == len(rows) == 93
    assert Counter(m.actor for m in messages) == Counter({"customer": 49, "agent": 44})
    assert len({m.case_id for m in messages}) == 27
    assert len({m.customer_id for m in messages if m.actor == "customer"}) == 29
    assert len({m.agent_id for m in messages if m.actor == "agent"}) == 13
    assert all(m.customer_id is not None for m in messages)


def test_the_sample_has_unique_ids_aware_times_in_time_order(
    sample: tuple[list[Message], list[dict[str, str]]],
) -> None:
    messages, rows = sample
    assert {m.id for m in messages} == {f"tw-{r['tweet_id']}" for r in rows}
    assert all(m.occurred_at.utcoffset() == timedelta(0) for m in messages)
    times = [m.occurred_at for m in messages]
    assert times == sorted(times)
    assert (times[0].isoformat(), times[-1].isoformat()) == (
        "2017-10-10T10:13:19+00:00",
        "2017-10-12T12:09:13+00:00",
    )


def test_the_samples_threads(sample: tuple[list[Message], list[dict[str, str]]]) -> None:
    messages = by_id(sample[0])
    # Two threads begin with a brand tweet answering a tweet outside the sample.
    assert messages["119246"].case_id == "tw-119246"
    assert (messages["119246"].actor, messages["119246"].customer_id) == ("agent", "tw-105836")
    assert messages["119332"].case_id == "tw-119332"
    # British Airways answered one tweet twice (response_tweet_id "119264,119266").
    assert {messages[t].case_id for t in ("119265", "119264", "119266", "119303")} == {"tw-119265"}
    # A second customer joins a thread with "me too"; Apple answers that customer.
    assert messages["119250"].customer_id != messages["119249"].customer_id
    assert messages["119248"].customer_id == messages["119249"].customer_id
