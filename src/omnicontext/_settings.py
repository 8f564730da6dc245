"""Reading a settings file (targets, calendars, catalogs, thresholds): TOML or JSON."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path
from typing import Any

from omnicontext.errors import FieldError, InvalidInput


def read_settings(path: str | os.PathLike[str], subject: str) -> Any:
    """The data of a ``.toml`` or ``.json`` file. A file of another kind, one
    that cannot be read, or one that does not parse raises
    :class:`~omnicontext.errors.InvalidInput` about ``subject``, naming the
    path and the reason."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise InvalidInput(
            subject, [FieldError("path", str(path), "must be a .toml or .json file")]
        )
    try:
        text = file.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = f"cannot be read: {getattr(exc, 'strerror', None) or exc}"
        raise InvalidInput(subject, [FieldError("path", str(path), reason)]) from None
    try:
        return tomllib.loads(text) if suffix == ".toml" else json.loads(text)
    except ValueError as exc:
        reason = f"is not valid {suffix[1:].upper()}: {exc}"
        raise InvalidInput(subject, [FieldError("path", str(path), reason)]) from None
