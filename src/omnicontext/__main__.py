"""``python -m omnicontext``: the ``omnicontext`` command (see :mod:`omnicontext.cli`)."""

import sys

from omnicontext.cli import main

if __name__ == "__main__":
    sys.exit(main())
