"""Tools for testing code built on omnicontext, and adapters for it.

* :class:`StoreContract`: the conformance kit. Subclass it, supply
  ``make_store()``, and pytest runs the whole storage contract on your adapter.
* :mod:`omnicontext.testing.factories`: valid records in one call.
* :mod:`omnicontext.testing.strategies`: hypothesis strategies for every
  model (import it only where ``hypothesis`` is installed).
"""

from omnicontext.testing import factories
from omnicontext.testing.contract import StoreContract

__all__ = ["StoreContract", "factories"]
