"""Readers for public customer-support data sets, as interactions.

* :func:`read_twcs`: the "Customer Support on Twitter" corpus (customers and
  brands' support accounts); each tweet a public :class:`~omnicontext.model.Message`,
  each conversation thread a case.
* :func:`read_bank_calls`: the "anonymous bank" call-centre data (every call
  to an Israeli bank's call centre, month by month, in 1999); each call a
  :class:`~omnicontext.model.Call` and its own case. :func:`read_bank_records`
  keeps the columns the data contract has no place for (priority, service
  type), and a :class:`BankReadReport` says which rows were skipped and why.

Both read a path or an open text file and name the line, column and value of
a row they cannot read (:class:`~omnicontext.errors.InvalidInput`). The data
itself is not shipped: see the documentation page "Public data sets".
"""

from omnicontext.datasets.bank import (
    BANK_COLUMNS,
    BANK_TIME_ZONE,
    SERVICE_TYPES,
    BankCall,
    BankReadReport,
    CallNote,
    Outcome,
    SkipReason,
    read_bank_calls,
    read_bank_records,
)
from omnicontext.datasets.twcs import TWCS_COLUMNS, read_twcs

__all__ = [
    "BANK_COLUMNS",
    "BANK_TIME_ZONE",
    "SERVICE_TYPES",
    "TWCS_COLUMNS",
    "BankCall",
    "BankReadReport",
    "CallNote",
    "Outcome",
    "SkipReason",
    "read_bank_calls",
    "read_bank_records",
    "read_twcs",
]
