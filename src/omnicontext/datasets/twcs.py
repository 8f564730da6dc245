"""The "Customer Support on Twitter" corpus: tweets as public messages, threads as cases.

The corpus (Thought Vector, on Kaggle; ``twcs.csv`` and its 93-tweet public
sample) holds customers' tweets to brands' support accounts and the brands'
replies, one row per tweet::

    tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id

How each tweet becomes a :class:`~omnicontext.model.Message`:

* ``id`` is ``tw-<tweet_id>``; ``channel`` is ``social_public`` (public tweets);
  ``body`` is the text as written (HTML entities such as ``&amp;`` included).
* ``occurred_at`` is ``created_at`` (``Wed Oct 11 06:55:44 +0000 2017``), an aware
  time in the offset it gives (UTC); month and day names are read in English
  whatever the locale.
* A customer's tweet (``inbound`` ``True``) is ``actor="customer"``,
  ``direction="inbound"``, ``customer_id="tw-<author_id>"``.
* A brand's tweet is ``actor="agent"``, ``direction="outbound"``,
  ``agent_id=<author_id>`` (the brand's account, such as ``AppleSupport``).
* The case is the conversation thread: ``case_id`` is ``tw-<id>`` of the
  thread's first tweet, found by following ``in_response_to_tweet_id`` upwards
  while the tweet replied to is in the file. A tweet replying to one that is
  not in the file (the sample is a fragment of the corpus) starts its own
  thread, even when that first tweet is a brand's.
* Customers are plain ``customer_id`` values, not raw ``identity`` records: the
  authors are already anonymised numeric handles, one per customer, so there
  is nothing to resolve, and KPIs group by ``customer_id`` directly.
* A brand's tweet belongs to the customer it answers: the author of the
  nearest customer tweet above it in the thread. A brand tweet that starts a
  thread answers the thread's first customer tweet below it; a thread with no
  customer tweet at all gives its brand tweets no ``customer_id``, only the
  ``case_id``. (A thread may hold two customers: one replying "me too" to
  another; each customer tweet keeps its own author.)
* ``response_tweet_id`` (the ids of the replies, comma separated) is the
  inverse of ``in_response_to_tweet_id`` and is not needed: it is ignored,
  including the ids it lists that are not in the file.
* Ids written as decimals (``119239.0``, as some exports of the corpus have
  them) are read as the whole numbers they are.

A row that cannot be read (a missing column, an unknown ``inbound`` value, a
date in another form, empty text, a repeated ``tweet_id``, replies that form a
cycle) raises :class:`~omnicontext.errors.InvalidInput` naming the line (the
header is line 1; a tweet whose text spans lines is named by its first line),
the column and the value.

>>> import io
>>> csv_text = ','.join(TWCS_COLUMNS) + '''
... 2,AcmeHelp,False,Wed Oct 11 07:05:44 +0000 2017,@115 Sorry! Please DM us.,,1
... 1,115,True,Wed Oct 11 06:55:44 +0000 2017,@AcmeHelp my card stopped working,2,
... '''
>>> [(m.id, m.case_id, m.customer_id, m.agent_id) for m in read_twcs(io.StringIO(csv_text))]
[('tw-1', 'tw-1', 'tw-115', None), ('tw-2', 'tw-1', 'tw-115', 'AcmeHelp')]
"""

from __future__ import annotations

import csv
import os
import re
from datetime import datetime, timedelta, timezone
from typing import TextIO

import attrs

from omnicontext.datasets._source import open_text
from omnicontext.errors import FieldError, InvalidInput
from omnicontext.model import Actor, Direction, Message

__all__ = ["TWCS_COLUMNS", "read_twcs"]

TWCS_COLUMNS: tuple[str, ...] = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
"""The columns of the corpus."""

_SUBJECT = "tweet on line {line}"
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_CREATED_AT = re.compile(
    r"^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) (\d{2}) (\d{2}):(\d{2}):(\d{2}) "
    r"([+-])(\d{2})(\d{2}) (\d{4})$"
)
_ID = re.compile(r"^(\d+)(?:\.0+)?$")
_INBOUND = {"true": True, "false": False}


@attrs.frozen
class _Tweet:
    line: int
    tweet_id: str
    author_id: str
    inbound: bool
    created_at: datetime
    text: str
    parent: str | None


def read_twcs(source: str | os.PathLike[str] | TextIO) -> list[Message]:
    """The tweets of the corpus as messages, in time order (ties in file order).

    ``source`` is a path or an open text file (opened with ``newline=""``: tweet
    texts may span lines). A list, not a stream: a tweet's case is only known
    once the tweets above it in its thread have been read, and a reply may come
    before the tweet it answers in the file. Every decision is in the module
    documentation (:mod:`omnicontext.datasets.twcs`).

    Raises :class:`~omnicontext.errors.InvalidInput` on a row that cannot be
    read, naming its line, column and value.
    """
    with open_text(source, "tweets") as handle:
        tweets = _read(handle)
    by_id = {t.tweet_id: t for t in tweets}
    roots = _roots(tweets, by_id)
    first_customer: dict[str, _Tweet] = {}
    for tweet in sorted(tweets, key=lambda t: (t.created_at, t.line)):
        if tweet.inbound:
            first_customer.setdefault(roots[tweet.tweet_id], tweet)
    messages = []
    for tweet in sorted(tweets, key=lambda t: (t.created_at, t.line)):
        customer = _customer_of(tweet, by_id) or first_customer.get(roots[tweet.tweet_id])
        try:
            messages.append(
                Message(
                    id=f"tw-{tweet.tweet_id}",
                    occurred_at=tweet.created_at,
                    channel="social_public",
                    case_id=f"tw-{roots[tweet.tweet_id]}",
                    customer_id=f"tw-{customer.author_id}" if customer else None,
                    actor=Actor.CUSTOMER if tweet.inbound else Actor.AGENT,
                    agent_id=None if tweet.inbound else tweet.author_id,
                    direction=Direction.INBOUND if tweet.inbound else Direction.OUTBOUND,
                    body=tweet.text,
                )
            )
        except InvalidInput as exc:
            raise InvalidInput(_SUBJECT.format(line=tweet.line), exc.errors) from None
    return messages


def _error(line: int, field: str, value: object, reason: str) -> InvalidInput:
    return InvalidInput(_SUBJECT.format(line=line), [FieldError(field, value, reason)])


def _read(handle: TextIO) -> list[_Tweet]:
    reader = csv.reader(handle)
    header = next(reader, None)
    if header is None:
        raise _error(1, "header", None, "the file is empty; expected a header row")
    where = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in TWCS_COLUMNS if c not in where]
    if missing:
        raise InvalidInput(
            _SUBJECT.format(line=1),
            [FieldError(c, None, "column missing from the header") for c in missing],
        )
    tweets: list[_Tweet] = []
    lines: dict[str, int] = {}
    end = reader.line_num
    for row in reader:
        line, end = end + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise _error(line, "row", row, f"{len(row)} columns, expected {len(header)}")
        fields = {c: row[where[c]] for c in TWCS_COLUMNS}
        tweet = _tweet(fields, line)
        if tweet.tweet_id in lines:
            raise _error(
                line,
                "tweet_id",
                tweet.tweet_id,
                f"repeats the tweet on line {lines[tweet.tweet_id]}",
            )
        lines[tweet.tweet_id] = line
        tweets.append(tweet)
    return tweets


def _id(value: str, field: str, line: int) -> str:
    match = _ID.match(value.strip())
    if match is None:
        raise _error(line, field, value, "expected a numeric tweet id")
    return match.group(1)


def _created_at(value: str, line: int) -> datetime:
    match = _CREATED_AT.match(value.strip())
    month = _MONTHS.get(match.group(1)) if match else None
    if match is None or month is None:
        raise _error(
            line, "created_at", value, "expected a time like 'Wed Oct 11 06:55:44 +0000 2017'"
        )
    _, day, hours, minutes, seconds, sign, off_h, off_m, year = match.groups()
    offset = timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        return datetime(
            int(year),
            month,
            int(day),
            int(hours),
            int(minutes),
            int(seconds),
            tzinfo=timezone(offset),
        )
    except ValueError as exc:
        raise _error(line, "created_at", value, f"not a valid time ({exc})") from None


def _tweet(fields: dict[str, str], line: int) -> _Tweet:
    inbound = _INBOUND.get(fields["inbound"].strip().lower())
    if inbound is None:
        raise _error(line, "inbound", fields["inbound"], "expected True or False")
    author = fields["author_id"].strip()
    if not author:
        raise _error(line, "author_id", fields["author_id"], "must not be empty")
    text = fields["text"]
    if not text.strip():
        raise _error(line, "text", text, "must not be empty")
    parent = fields["in_response_to_tweet_id"].strip()
    return _Tweet(
        line=line,
        tweet_id=_id(fields["tweet_id"], "tweet_id", line),
        author_id=author,
        inbound=inbound,
        created_at=_created_at(fields["created_at"], line),
        text=text,
        parent=_id(parent, "in_response_to_tweet_id", line) if parent else None,
    )


def _roots(tweets: list[_Tweet], by_id: dict[str, _Tweet]) -> dict[str, str]:
    """The first tweet of each tweet's thread, following replies up while in the file."""
    roots: dict[str, str] = {}
    for tweet in tweets:
        path: list[str] = []
        current = tweet
        while current.tweet_id not in roots:
            path.append(current.tweet_id)
            parent = by_id.get(current.parent) if current.parent else None
            if parent is None:
                roots[current.tweet_id] = current.tweet_id
                break
            if parent.tweet_id in path:
                raise _error(
                    current.line,
                    "in_response_to_tweet_id",
                    current.parent,
                    "the replies form a cycle (" + " -> ".join([*path, parent.tweet_id]) + ")",
                )
            current = parent
        root = roots[current.tweet_id]
        for tweet_id in path:
            roots[tweet_id] = root
    return roots


def _customer_of(tweet: _Tweet, by_id: dict[str, _Tweet]) -> _Tweet | None:
    """The tweet itself if a customer's, else the nearest customer tweet above it."""
    current: _Tweet | None = tweet
    while current is not None and not current.inbound:
        current = by_id.get(current.parent) if current.parent else None
    return current
