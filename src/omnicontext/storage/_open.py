"""``open_store``: a store from a URL, adapters found through entry points."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import EntryPoint, entry_points
from typing import cast

from omnicontext.errors import StoreError, UnknownStoreScheme
from omnicontext.storage.protocols import Store

__all__ = ["ENTRY_POINT_GROUP", "open_store", "store_schemes"]

ENTRY_POINT_GROUP = "omnicontext.stores"
"""The entry-point group adapters register in: the name is the URL scheme, the
value a callable that takes the whole URL and returns a :class:`Store`."""


@functools.cache
def _entry_points() -> dict[str, EntryPoint]:
    found: dict[str, EntryPoint] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(ep.name, ep)
    return found


def store_schemes() -> tuple[str, ...]:
    """URL schemes the installed adapters serve, sorted.

    >>> {"memory", "sqlite"} <= set(store_schemes())
    True
    """
    return tuple(sorted(_entry_points()))


def open_store(url: str) -> Store:
    """Open the store a URL names.

    ``memory://`` is a fresh in-memory store; ``sqlite:///path/to.db`` a SQLite
    file (created if missing; ``sqlite:///:memory:`` for a private in-memory
    database). Any other scheme is looked up in the ``omnicontext.stores``
    entry-point group, so installing an adapter package is enough to use it.

    >>> with open_store("memory://") as store:
    ...     store.interactions.count()
    0
    """
    if not isinstance(url, str) or "://" not in url:
        raise StoreError(f"not a store URL: url={url!r} (expected 'scheme://...')")
    scheme = url.split("://", 1)[0].lower()
    ep = _entry_points().get(scheme)
    if ep is None:
        # An adapter installed after the first lookup (in a notebook, say):
        # read the entry points again before giving up.
        _entry_points.cache_clear()
        ep = _entry_points().get(scheme)
    if ep is None:
        raise UnknownStoreScheme(url, scheme, store_schemes())
    try:
        factory = cast(Callable[[str], Store], ep.load())
    except Exception as exc:
        raise StoreError(
            f"the store adapter for scheme {scheme!r} ({ep.value}) failed to load: {exc}"
        ) from exc
    return factory(url)
