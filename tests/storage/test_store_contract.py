"""Our own stores pass the same conformance kit adapter authors run."""

from __future__ import annotations

from omnicontext.storage import MemoryStore, SQLiteStore, Store, open_store
from omnicontext.testing import StoreContract


class TestMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return MemoryStore()


class TestMemoryStoreFromUrl(StoreContract):
    def make_store(self) -> Store:
        return open_store("memory://")


class TestSQLiteFileStore(StoreContract):
    def make_store(self) -> Store:
        return SQLiteStore(self.tmp_dir() / "store.db")

    def reopen_store(self, store: Store) -> Store:
        assert isinstance(store, SQLiteStore)
        return SQLiteStore(store.path)


class TestSQLiteInMemoryStore(StoreContract):
    def make_store(self) -> Store:
        return open_store("sqlite:///:memory:")
