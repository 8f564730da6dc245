"""SQLiteStore specifics beyond the shared contract: files, URLs, schema versions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from omnicontext.errors import SchemaVersionError, StoreError
from omnicontext.storage import SCHEMA_VERSION, SQLiteStore, open_store
from omnicontext.storage._common import time_key
from omnicontext.storage.sqlite import _path_from_url
from omnicontext.testing import factories as f


def test_data_survives_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "store.db"
    with SQLiteStore(path) as store:
        store.customers.save(f.customer("cus_1"))
        store.interactions.append_many([f.message("m1"), f.call("c1", at=f.minutes(3))])
    with SQLiteStore(path) as again:
        assert again.customers.get("cus_1").version == 1
        assert [i.id for i in again.interactions.customer_timeline("cus_1")] == ["m1", "c1"]
        assert again.schema_version == SCHEMA_VERSION


def test_new_file_uses_wal_and_records_schema_version(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    try:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        indexes = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert {
            "ix_interactions_customer",
            "ix_interactions_case",
            "ix_interactions_time",
        } <= indexes
    finally:
        raw.close()


def test_timeline_query_uses_the_customer_index(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    try:
        plan = raw.execute(
            "EXPLAIN QUERY PLAN SELECT ts, id, doc FROM interactions WHERE customer_id = ? "
            "ORDER BY ts DESC, id DESC LIMIT 201",
            ("cus_1",),
        ).fetchall()
    finally:
        raw.close()
    detail = " ".join(str(row[-1]) for row in plan)
    assert "ix_interactions_customer" in detail
    assert "TEMP B-TREE" not in detail  # no sort step: the index gives the order


def test_a_database_from_a_newer_release_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    SQLiteStore(path).close()
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    raw.commit()
    raw.close()
    newer = rf"schema version {SCHEMA_VERSION + 1}, newer than {SCHEMA_VERSION}"
    with pytest.raises(SchemaVersionError, match=newer):
        SQLiteStore(path)


def test_opening_a_file_that_is_not_a_database_raises_store_error(tmp_path: Path) -> None:
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match=r"not-a-db\.db"):
        SQLiteStore(path)


def test_a_path_that_cannot_be_created_raises_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open"):
        SQLiteStore(blocker / "inside" / "store.db")


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:///store.db", "store.db"),
        ("sqlite:///data/store.db", "data/store.db"),
        ("sqlite:////tmp/store.db", "/tmp/store.db"),
        ("sqlite://", ":memory:"),
        ("sqlite:///:memory:", ":memory:"),
        ("SQLITE:///x.db", "x.db"),
    ],
)
def test_sqlite_urls(url: str, path: str) -> None:
    assert _path_from_url(url) == path


@pytest.mark.parametrize("url", ["sqlite://host/x.db", "sqlite:///x.db?mode=ro", "sqlite:x.db"])
def test_bad_sqlite_urls_raise_store_error(url: str) -> None:
    with pytest.raises(StoreError, match="url="):
        _path_from_url(url)


def test_open_store_creates_a_relative_sqlite_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with open_store("sqlite:///sub/store.db") as store:
        store.interactions.append(f.message("m1"))
    assert (tmp_path / "sub" / "store.db").exists()


def test_erasure_leaves_no_copy_in_the_wal(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    secret = "SECRET-CARD-4111111111111111"
    with SQLiteStore(path) as store:
        store.interactions.append(f.message("m1", body=secret))
        store.erase_customer("cus_1")
        for file in tmp_path.iterdir():
            assert secret.encode() not in file.read_bytes(), file.name


def test_erasure_inside_a_transaction_leaves_no_copy_once_it_commits(tmp_path: Path) -> None:
    # The erasure joins the caller's transaction; the checkpoint that clears the
    # write-ahead log must wait for that commit, and then happen.
    path = tmp_path / "store.db"
    secret = "SECRET-CARD-4111111111111111"
    with SQLiteStore(path) as store:
        store.interactions.append(f.message("m1", body=secret))
        with store.transaction():
            store.erase_customer("cus_1")
            store.interactions.append(f.message("m2", customer_id="cus_2", body="kept"))
        for file in tmp_path.iterdir():
            assert secret.encode() not in file.read_bytes(), file.name
        assert store.interactions.get("m2").body == "kept"


def test_a_rolled_back_erasure_keeps_the_data(tmp_path: Path) -> None:
    with SQLiteStore(tmp_path / "store.db") as store:
        store.interactions.append(f.message("m1", body="still here"))

        def change_of_mind() -> None:
            with store.transaction():
                store.erase_customer("cus_1")
                raise RuntimeError("changed my mind")

        with pytest.raises(RuntimeError):
            change_of_mind()
        assert store.interactions.get("m1").body == "still here"
        store.interactions.append(f.message("m2", customer_id="cus_2"))  # no stale checkpoint


def test_a_version_1_database_is_migrated_and_keeps_its_records(tmp_path: Path) -> None:
    from omnicontext.storage.sqlite import _MIGRATIONS

    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    for statement in _MIGRATIONS[0]:
        raw.execute(statement)
    customer = f.customer("cus_1", identities=[f.identity("email", "ada@example.com")])
    raw.execute(
        "INSERT INTO customers (id, version, doc) VALUES (?, ?, ?)",
        ("cus_1", 1, customer.model_copy(update={"version": 1}).to_json()),
    )
    raw.execute(
        "INSERT INTO customer_identities (key, customer_id) VALUES (?, ?)",
        ("email:ada@example.com", "cus_1"),
    )
    phone = f.identity("phone", "+442079460958")
    item = f.message("m1", customer_id=None, identity=phone)
    raw.execute(
        "INSERT INTO interactions (id, ts, customer_id, case_id, identity_key, doc) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        ("m1", time_key(item.occurred_at), None, None, phone.key, item.to_json()),
    )
    raw.execute("PRAGMA user_version = 1")
    raw.commit()
    raw.close()
    with SQLiteStore(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.customers.get("cus_1").version == 1
        assert [c.id for c in store.customers.find_by_identity("email:ada@example.com")] == [
            "cus_1"
        ]
        assert [i.id for i in store.interactions.unresolved(phone.key)] == ["m1"]
        store.customers.save(f.customer("cus_2", merged_into="cus_1"))
        store.merges.save(f.merge_record("mrg_1"))
        assert store.erase_customer("cus_1").merges == 1
