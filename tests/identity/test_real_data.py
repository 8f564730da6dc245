"""Identity resolution on real support data (skipped when it is not present).

Two public data sets, read in place from ``../shared/data`` next to the
checkout: the Customer Support on Twitter sample (customers are numeric
anonymised handles) and a month of calls to an Israeli bank's call centre
(customers are the bank's own ids; ``0`` is a caller the phone menu could not
identify). Each becomes interactions that arrive with only a raw identifier,
imported with ``IdentityResolver.resolve_interaction`` as the import hook.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omnicontext.identity import IdentityResolver, silo_report
from omnicontext.storage import MemoryStore, import_jsonl

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TWEETS = DATA / "twcs_sample.csv"
CALLS = DATA / "anonymous_bank_calls_1999_02.tsv"
# The bank's clock times are local; the data set says the bank is Israeli.
BANK_ZONE = ZoneInfo("Asia/Jerusalem")


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"real data not present at {path}")
    return path


def _lines(records: list[dict[str, Any]]) -> io.BytesIO:
    return io.BytesIO(b"".join(json.dumps(r).encode() + b"\n" for r in records))


def test_every_twitter_author_becomes_one_customer() -> None:
    with _need(TWEETS).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    inbound = [r for r in rows if r["inbound"] == "True"]
    records = [
        {
            "id": f"tw-{r['tweet_id']}",
            "type": "message",
            "occurred_at": datetime.strptime(
                r["created_at"], "%a %b %d %H:%M:%S %z %Y"
            ).isoformat(),
            "channel": "social_public",
            "identity": {"kind": "social", "platform": "twitter", "value": r["author_id"]},
            "actor": "customer",
            "direction": "inbound",
            "body": r["text"],
        }
        for r in inbound
    ]
    store = MemoryStore()
    resolver = IdentityResolver(store)
    report = import_jsonl(
        store.interactions, _lines(records), prepare=resolver.resolve_interaction
    )
    assert report.ok, [str(r) for r in report.rejected]
    authors = Counter(r["author_id"] for r in inbound)
    assert store.customers.count() == len(authors)
    for author, tweets in authors.items():
        (customer,) = store.customers.find_by_identity(f"social:twitter:@{author}")
        assert len(store.interactions.customer_timeline(customer.id)) == tweets
    silos = silo_report(store)
    assert silos.unlinked_interactions == 0
    assert silos.single_channel_customers == len(authors)  # public Twitter only, so far


def _at(day: date, clock: str) -> datetime:
    hours, minutes, seconds = (int(p) for p in clock.split(":"))
    return datetime.combine(day, time(0), tzinfo=BANK_ZONE) + timedelta(
        hours=hours, minutes=minutes, seconds=seconds
    )


def _call(row: dict[str, str]) -> dict[str, Any]:
    day = datetime.strptime(row["date"], "%y%m%d").date()
    arrived = _at(day, row["vru_entry"])
    answered = _at(day, row["ser_start"]) if row["outcome"] == "AGENT" else None
    ended = _at(day, row["ser_exit"] if answered else row["vru_exit"])
    # A few calls run past midnight: their later clock times belong to the next day.
    if answered is not None and answered < arrived:
        answered += timedelta(days=1)
    while ended < (answered or arrived):
        ended += timedelta(days=1)
    record: dict[str, Any] = {
        # call_id repeats across the phone lines (vru+line): together they are unique.
        "id": f"bank-{row['vru+line']}-{row['call_id']}",
        "type": "call",
        "occurred_at": arrived.isoformat(),
        "channel": "phone",
        "actor": "customer",
        "direction": "inbound",
        "answered_at": answered.isoformat() if answered else None,
        "ended_at": ended.isoformat(),
    }
    if row["customer_id"] == "0":
        # Not identified by the phone menu: the call is its own case, nobody's yet.
        record["case_id"] = f"call-{row['vru+line']}-{row['call_id']}"
    else:
        record["identity"] = {"kind": "external", "system": "bank", "value": row["customer_id"]}
    return record


def test_bank_callers_resolve_to_one_customer_per_bank_id() -> None:
    with _need(CALLS).open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    store = MemoryStore()
    resolver = IdentityResolver(store)
    lines = _lines([_call(r) for r in rows])
    report = import_jsonl(store.interactions, lines, prepare=resolver.resolve_interaction)
    assert report.ok, [str(r) for r in report.rejected[:5]]
    assert report.added == len(rows)
    known = Counter(r["customer_id"] for r in rows if r["customer_id"] != "0")
    assert store.customers.count() == len(known)
    busiest, calls = known.most_common(1)[0]
    (customer,) = store.customers.find_by_identity(f"external:bank:{busiest}")
    timeline = store.interactions.customer_timeline(customer.id, limit=1000)
    assert len(timeline) == calls
    silos = silo_report(store)
    anonymous = sum(1 for r in rows if r["customer_id"] == "0")
    assert silos.unlinked_interactions == anonymous
    assert silos.unlinked_with_identity == 0
    assert silos.single_channel_customers == len(known)
    # Importing the month again adds nothing: resolution is deterministic.
    lines.seek(0)
    again = import_jsonl(store.interactions, lines, prepare=resolver.resolve_interaction)
    assert (again.added, again.duplicates) == (0, len(rows))
