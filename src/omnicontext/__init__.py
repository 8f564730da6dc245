"""omnicontext: one customer's context across every channel.

The public API lives in the subpackages (``omnicontext.model``,
``omnicontext.storage``, ``omnicontext.testing``); the names used most are
re-exported here.

>>> import omnicontext
>>> store = omnicontext.open_store("memory://")
>>> isinstance(store, omnicontext.Store)
True
"""

from importlib.metadata import PackageNotFoundError, version

from omnicontext.errors import (
    ConflictError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    OmnicontextError,
    StoreError,
    UnknownChannel,
)
from omnicontext.model import (
    Agent,
    Case,
    Channel,
    ChannelProfile,
    Customer,
    Identity,
    Interaction,
    parse_interaction,
    parse_interaction_json,
)
from omnicontext.storage import MemoryStore, SQLiteStore, Store, open_store

try:
    __version__ = version("omnicontext")
except PackageNotFoundError:  # pragma: no cover - running from an unpacked tree
    __version__ = "0+unknown"

__all__ = [
    "Agent",
    "Case",
    "Channel",
    "ChannelProfile",
    "ConflictError",
    "Customer",
    "Identity",
    "Interaction",
    "InvalidInput",
    "InvalidTransition",
    "MemoryStore",
    "NotFound",
    "OmnicontextError",
    "SQLiteStore",
    "Store",
    "StoreError",
    "UnknownChannel",
    "__version__",
    "open_store",
    "parse_interaction",
    "parse_interaction_json",
]
