"""Invariants of the resolver, checked on generated worlds with hypothesis."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from omnicontext.identity import IdentityResolver, MergePolicy, normalize
from omnicontext.model import Identity
from omnicontext.storage import MemoryStore, SQLiteStore, Store
from omnicontext.testing import factories as f

from .content import content

POOL = [
    normalize("email", "ada@example.com"),
    normalize("email", "bo@example.com"),
    normalize("phone", "+447911123456"),
    normalize("phone", "+442079460958"),
    normalize("social", "twitter:@ada"),
    normalize("external", "A-1", system="shop"),
    normalize("external", "B-2", system="shop"),
]

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _resolver(store: Store, **kw: object) -> IdentityResolver:
    numbers = itertools.count(1)
    ticks = itertools.count()
    return IdentityResolver(
        store,
        clock=lambda: f.minutes(next(ticks)),
        new_id=lambda: f"cus_{next(numbers):03d}",
        **kw,  # type: ignore[arg-type]
    )


def _verified(ident: Identity, yes: bool) -> Identity:
    return ident.model_copy(update={"verified": yes})


profiles = st.lists(
    st.lists(st.tuples(st.sampled_from(range(len(POOL))), st.booleans()), min_size=1, max_size=3),
    min_size=2,
    max_size=5,
)
stores: st.SearchStrategy[Callable[[], Store]] = st.sampled_from(
    [MemoryStore, lambda: SQLiteStore(":memory:")]
)


def _world(store: Store, spec: list[list[tuple[int, bool]]]) -> list[str]:
    """Customers saved straight into the store (no rules applied), each with a
    case and a few interactions."""
    ids = []
    for n, idents in enumerate(spec):
        held = {POOL[i].key: _verified(POOL[i], v) for i, v in idents}
        cid = f"cus_{n}"
        store.customers.save(
            f.customer(cid, identities=list(held.values()), display_name=f"P{n}", tags=(f"t{n}",))
        )
        store.cases.save(f.case(f"k{n}", customer_id=cid))
        store.interactions.append_many(
            [
                f.message(f"m{n}", at=f.minutes(n), customer_id=cid, case_id=f"k{n}"),
                f.note(f"n{n}", at=f.minutes(n + 1), customer_id=cid),
            ]
        )
        ids.append(cid)
    return ids


@SETTINGS
@given(spec=profiles, make=stores, pick=st.data())
def test_merge_then_unmerge_restores_the_store(
    spec: list[list[tuple[int, bool]]], make: Callable[[], Store], pick: st.DataObject
) -> None:
    with make() as store:
        ids = _world(store, spec)
        survivor, absorbed = pick.draw(st.permutations(ids))[:2]
        before = content(store)
        r = _resolver(store, policy=MergePolicy(auto_merge=False))
        record = r.merge(survivor, absorbed, actor="ag_1", reason="test", override_protection=True)
        assert store.customers.get(absorbed).merged_into == survivor
        assert all(i.customer_id != absorbed for chunk in store.interactions.scan() for i in chunk)
        r.unmerge(record.id, actor="ag_1")
        assert content(store) == before


@SETTINGS
@given(spec=profiles, make=stores, order=st.randoms(use_true_random=False))
def test_import_resolution_does_not_depend_on_arrival_order(
    spec: list[list[tuple[int, bool]]], make: Callable[[], Store], order: object
) -> None:
    raw = [
        Identity(kind="phone", value="07911 123456"),
        Identity(kind="phone", value="+44 7911 123456"),
        Identity(kind="email", value=" ADA@example.com"),
        Identity(kind="email", value="ada@EXAMPLE.com."),
        Identity(kind="social", platform="twitter", value="@Ada"),
        Identity(kind="external", system="Shop", value="A-1"),
    ]
    items = [
        f.message(f"m{n}", at=f.minutes(n), customer_id=None, identity=raw[n % len(raw)])
        for n in range(len(spec) * 3)
    ]
    shuffled = list(items)
    order.shuffle(shuffled)  # type: ignore[attr-defined]

    def groups(sequence: list[object]) -> set[frozenset[str]]:
        with make() as store:
            r = IdentityResolver(store, region="GB")
            resolved = [r.resolve_interaction(i) for i in sequence]  # type: ignore[arg-type]
            by_customer: dict[str, set[str]] = {}
            for item in resolved:
                assert item.customer_id is not None
                by_customer.setdefault(item.customer_id, set()).add(item.id)
            return {frozenset(v) for v in by_customer.values()}

    assert groups(items) == groups(shuffled)  # type: ignore[arg-type]


@SETTINGS
@given(
    holders=st.integers(min_value=3, max_value=6),
    limit=st.integers(min_value=2, max_value=5),
    make=stores,
)
def test_no_automatic_merge_on_an_identifier_shared_beyond_the_limit(
    holders: int, limit: int, make: Callable[[], Store]
) -> None:
    shared = normalize("phone", "+442079460958", verified=True)
    with make() as store:
        for n in range(holders):
            store.customers.save(
                f.customer(
                    f"cus_{n}",
                    identities=[shared, normalize("email", f"p{n}@example.com", verified=True)],
                )
            )
        r = _resolver(store, policy=MergePolicy(max_holders=limit))
        newcomer = r.resolve(normalize("email", "new@example.com", verified=True))
        result = r.link(newcomer.id, shared, verified=True)
        if holders + 1 > limit:
            assert result.merges == ()
            assert result.suggestions == ()
            assert store.merges.count() == 0
        else:
            assert store.merges.count() >= 1
