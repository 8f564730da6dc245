"""Storage: the adapter protocols, two built-in stores, and ``open_store``.

>>> from omnicontext.storage import open_store
>>> store = open_store("memory://")
>>> store.customers.count()
0
>>> store.close()
"""

from omnicontext.storage._open import ENTRY_POINT_GROUP, open_store, store_schemes
from omnicontext.storage.importer import ImportReport, RejectedLine, import_jsonl, read_jsonl
from omnicontext.storage.memory import MemoryStore
from omnicontext.storage.protocols import (
    AccessLog,
    AppendResult,
    CaseRepository,
    CustomerRepository,
    ErasureReport,
    InteractionLog,
    MergeLog,
    Outbox,
    Page,
    Store,
    SuggestionRepository,
)
from omnicontext.storage.sqlite import SCHEMA_VERSION, SQLiteStore

__all__ = [
    "ENTRY_POINT_GROUP",
    "SCHEMA_VERSION",
    "AccessLog",
    "AppendResult",
    "CaseRepository",
    "CustomerRepository",
    "ErasureReport",
    "ImportReport",
    "InteractionLog",
    "MemoryStore",
    "MergeLog",
    "Outbox",
    "Page",
    "RejectedLine",
    "SQLiteStore",
    "Store",
    "SuggestionRepository",
    "import_jsonl",
    "open_store",
    "read_jsonl",
    "store_schemes",
]
