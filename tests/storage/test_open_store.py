"""open_store: URL schemes resolved through the omnicontext.stores entry points."""

from __future__ import annotations

from pathlib import Path

import pytest

from omnicontext.errors import StoreError, UnknownStoreScheme
from omnicontext.storage import (
    ENTRY_POINT_GROUP,
    MemoryStore,
    SQLiteStore,
    open_store,
    store_schemes,
)
from omnicontext.storage._open import _entry_points


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


def test_an_adapter_installed_after_the_first_lookup_is_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    assert "latecomer" not in store_schemes()  # the lookup is now cached
    request.addfinalizer(_entry_points.cache_clear)  # forget it once sys.path is restored
    (tmp_path / "latecomer_store.py").write_text(
        "from omnicontext.storage import MemoryStore\n"
        "def open_url(url):\n"
        "    return MemoryStore()\n"
    )
    dist = tmp_path / "latecomer-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: latecomer\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[omnicontext.stores]\nlatecomer = latecomer_store:open_url\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with open_store("latecomer://anything") as store:
        assert isinstance(store, MemoryStore)
    assert "latecomer" in store_schemes()
