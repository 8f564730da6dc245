"""Tools for testing code built on omnicontext, and adapters for it.

* :class:`StoreContract`: the conformance kit. Subclass it, supply
  ``make_store()``, and pytest runs the whole storage contract on your adapter.
* :class:`LedgerContract`: the same for capacity ledgers; supply
  ``make_ledger()``.
* :mod:`omnicontext.testing.factories`: valid records in one call.
* :mod:`omnicontext.testing.strategies`: hypothesis strategies for every
  model (import it only where ``hypothesis`` is installed).
"""

from omnicontext.testing import factories
from omnicontext.testing.contract import StoreContract
from omnicontext.testing.ledger_contract import LedgerContract

__all__ = ["LedgerContract", "StoreContract", "factories"]
