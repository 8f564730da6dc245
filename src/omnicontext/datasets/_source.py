"""Opening a data set's file, given as a path or as an open text file."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from omnicontext.errors import FieldError, InvalidInput


@contextmanager
def open_text(source: str | os.PathLike[str] | TextIO, subject: str) -> Iterator[TextIO]:
    """Yield ``source`` as a text handle: a path is opened (UTF-8, ``newline=""``
    for the csv module) and closed after; an open file is used as it is."""
    if isinstance(source, str | os.PathLike):
        with open(source, encoding="utf-8", newline="") as handle:
            yield handle
    elif isinstance(source, io.TextIOBase) or hasattr(source, "read"):
        yield source
    else:
        raise InvalidInput(
            subject, [FieldError("source", source, "expected a path or an open text file")]
        )
