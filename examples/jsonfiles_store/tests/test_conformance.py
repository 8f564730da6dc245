"""JsonFilesStore passes omnicontext's storage conformance kit.

Every ``test_*`` method of :class:`StoreContract` checks one clause of the
storage contract; this file only says how to make (and reopen) a store.
"""

from __future__ import annotations

from omnicontext_jsonfiles import JsonFilesStore

from omnicontext.model import Customer, Message
from omnicontext.storage import Store
from omnicontext.testing import StoreContract


class TestJsonFilesStore(StoreContract):
    def make_store(self) -> Store:
        return JsonFilesStore(self.tmp_dir() / "support")

    def reopen_store(self, store: Store) -> Store:
        # A second handle on the same directory: the kit checks that each sees
        # the other's writes and that stale saves through either one conflict.
        assert isinstance(store, JsonFilesStore)
        return JsonFilesStore(store.path)

    # Beyond the kit: what this adapter promises on top of the protocol.

    def test_records_survive_closing_and_reopening(self) -> None:
        assert isinstance(self.store, JsonFilesStore)
        path = self.store.path
        self.store.customers.save(Customer(id="cus_1", display_name="Ada"))
        self.store.interactions.append(
            Message(
                id="m1",
                occurred_at="2026-01-05T09:00:00Z",
                channel="chat",
                customer_id="cus_1",
                actor="customer",
                direction="inbound",
                body="My card is blocked",
            )
        )
        self.store.close()
        with JsonFilesStore(path) as again:
            assert again.customers.get("cus_1").version == 1
            assert [i.id for i in again.interactions.customer_timeline("cus_1")] == ["m1"]
