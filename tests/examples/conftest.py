"""Make the adapter example importable without installing it.

``examples/jsonfiles_store`` is a package a third party would publish; the
project's own test run covers it straight from its source tree.
"""

from __future__ import annotations

import sys
from pathlib import Path

JSONFILES_ROOT = Path(__file__).resolve().parents[2] / "examples" / "jsonfiles_store"
JSONFILES_SRC = JSONFILES_ROOT / "src"

if str(JSONFILES_SRC) not in sys.path:
    sys.path.insert(0, str(JSONFILES_SRC))
