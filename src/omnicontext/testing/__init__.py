"""Tools for testing code built on omnicontext, and adapters for it.

* :class:`StoreContract`: the conformance kit. Subclass it, supply
  ``make_store()``, and pytest runs the whole storage contract on your adapter.
* :class:`LedgerContract`: the same for capacity ledgers; supply
  ``make_ledger()``.
* :mod:`omnicontext.testing.factories`: valid records in one call.
* :mod:`omnicontext.testing.strategies`: hypothesis strategies for every
  model (import it only where ``hypothesis`` is installed).
* :class:`~omnicontext.testing.notifiers.ScriptedNotifier`: a notification
  provider that does what its script says (sends, fails, times out before or
  after sending, goes down), remembering what it delivered in memory or in a
  file that survives the process.
"""

from omnicontext.testing import factories
from omnicontext.testing.contract import StoreContract
from omnicontext.testing.ledger_contract import LedgerContract
from omnicontext.testing.notifiers import ScriptedNotifier

__all__ = ["LedgerContract", "ScriptedNotifier", "StoreContract", "factories"]
