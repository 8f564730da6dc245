"""What a store holds, versions aside: for tests that compare stores."""

from __future__ import annotations

from omnicontext.storage import Store


def content(store: Store) -> dict[str, object]:
    """Customers, cases and interactions by id, with versions set to 0 (versions
    only move forward, so restored content differs from the original there)."""
    customers = {
        c.id: c.model_copy(update={"version": 0})
        for chunk in store.customers.scan()
        for c in chunk
    }
    cases = {
        k.id: k.model_copy(update={"version": 0})
        for c in customers
        for k in store.cases.for_customer(c)
    }
    interactions = {i.id: i for chunk in store.interactions.scan() for i in chunk}
    return {"customers": customers, "cases": cases, "interactions": interactions}
