"""open_store: URL schemes resolved through the omnicontext.stores entry points."""

from __future__ import annotations

import pytest

from omnicontext.errors import StoreError, UnknownStoreScheme
from omnicontext.storage import (
    ENTRY_POINT_GROUP,
    MemoryStore,
    SQLiteStore,
    open_store,
    store_schemes,
)


def test_builtin_schemes_are_registered_as_entry_points() -> None:
    assert ENTRY_POINT_GROUP == "omnicontext.stores"
    assert {"memory", "sqlite"} <= set(store_schemes())


def test_memory_and_sqlite_urls_open_the_builtin_stores() -> None:
    with open_store("memory://") as memory:
        assert isinstance(memory, MemoryStore)
    with open_store("sqlite:///:memory:") as sqlite:
        assert isinstance(sqlite, SQLiteStore)


def test_unknown_scheme_lists_the_installed_ones() -> None:
    with pytest.raises(UnknownStoreScheme) as caught:
        open_store("postgres://localhost/db")
    err = caught.value
    assert err.scheme == "postgres"
    assert "memory" in err.known
    assert "postgres://localhost/db" in str(err)
    assert "omnicontext.stores" in str(err)


@pytest.mark.parametrize("url", ["", "memory", "/tmp/x.db", 42])
def test_a_non_url_is_a_store_error(url: object) -> None:
    with pytest.raises(StoreError, match="not a store URL"):
        open_store(url)  # type: ignore[arg-type]


def test_memory_store_takes_no_path() -> None:
    with pytest.raises(StoreError, match="takes no path"):
        open_store("memory:///some/path")
