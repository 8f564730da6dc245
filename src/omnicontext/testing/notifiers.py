"""A scripted notification provider for tests.

:class:`ScriptedNotifier` keeps the :class:`~omnicontext.handoff.delivery.Notifier`
contract (it deduplicates by key and answers lookups) and behaves as its script
says, one outcome per :meth:`~ScriptedNotifier.send` call:

``"ok"``
    accepts and delivers the message.
``"fail"``
    refuses it: raises :class:`~omnicontext.handoff.delivery.ProviderError`,
    nothing delivered.
``"timeout_before_send"``
    raises :class:`~omnicontext.handoff.delivery.ProviderTimeout`, nothing
    delivered.
``"timeout_after_send"``
    delivers the message, then raises ``ProviderTimeout`` (the answer was lost).
``"down"``
    raises ``ProviderTimeout``, nothing delivered, and the next lookup fails too.

When the script runs out, every call behaves as ``then`` (``"ok"`` unless
told). ``lookups`` scripts :meth:`~ScriptedNotifier.lookup` the same way:
``"ok"`` answers truthfully, ``"down"`` raises ``ProviderTimeout``; then it
answers truthfully.

With ``state_path`` the provider's memory (the keys it accepted and every
delivery it made) lives in a JSON file, so it survives the test process being
killed, as a real remote provider's would; several processes may share it.
The script itself lives in the object.

>>> from omnicontext.handoff.delivery import OutgoingMessage, ProviderTimeout
>>> gateway = ScriptedNotifier("gateway-a", {"sms"}, script=["timeout_after_send", "ok"])
>>> message = OutgoingMessage(key="n-1", channel="sms", to="+447700900123", body="Hi")
>>> try:
...     gateway.send(message, timeout=5)
... except ProviderTimeout:
...     pass
>>> gateway.lookup("n-1", timeout=5).message_id
'gateway-a-1'
>>> gateway.send(message, timeout=5).message_id  # a repeat delivers nothing new
'gateway-a-1'
>>> [d.key for d in gateway.deliveries]
['n-1']
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from omnicontext.errors import FieldError, InvalidInput
from omnicontext.handoff.delivery import (
    OutgoingMessage,
    ProviderError,
    ProviderTimeout,
    SendReceipt,
)

try:  # pragma: no cover - Windows has no fcntl; threads are still serialised.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

__all__ = ["LOOKUP_OUTCOMES", "OUTCOMES", "Delivery", "ScriptedNotifier"]

OUTCOMES = frozenset({"ok", "fail", "timeout_before_send", "timeout_after_send", "down"})
"""The outcomes a send script may list."""

LOOKUP_OUTCOMES = frozenset({"ok", "down"})
"""The outcomes a lookup script may list."""


@attrs.frozen
class Delivery:
    """One message a :class:`ScriptedNotifier` actually delivered."""

    key: str
    channel: str
    to: str
    body: str
    subject: str | None
    message_id: str
    accepted_at: datetime


def _check(
    subject: str, field: str, outcomes: Iterable[str], allowed: frozenset[str]
) -> list[str]:
    listed = (
        list(outcomes)
        if isinstance(outcomes, Iterable) and not isinstance(outcomes, str | bytes)
        else None
    )
    if listed is None:
        raise InvalidInput(subject, [FieldError(field, outcomes, "must be a list of outcomes")])
    for i, outcome in enumerate(listed):
        if outcome not in allowed:
            raise InvalidInput(
                subject,
                [
                    FieldError(
                        f"{field}[{i}]", outcome, f"must be one of {', '.join(sorted(allowed))}"
                    )
                ],
            )
    return listed


def _channels(subject: str, channels: object) -> frozenset[str]:
    """``channels`` (one name or several) as a set of non-empty names."""
    if isinstance(channels, str):
        listed: list[object] = [channels]
    elif isinstance(channels, Iterable) and not isinstance(channels, bytes):
        listed = list(channels)
    else:
        raise InvalidInput(
            subject, [FieldError("channels", channels, "must be a channel name or several")]
        )
    for i, name in enumerate(listed):
        if not isinstance(name, str) or not name.strip():
            field = "channels" if isinstance(channels, str) else f"channels[{i}]"
            raise InvalidInput(subject, [FieldError(field, name, "must be a non-empty string")])
    return frozenset(str(name) for name in listed)


class ScriptedNotifier:
    """A fake provider that does what its script says (see the module docstring).

    ``name`` and ``channels`` as for any provider; ``script`` the send
    outcomes in order, ``then`` the outcome once it runs out; ``lookups`` the
    lookup outcomes; ``state_path`` a JSON file holding what the provider
    accepted and delivered; ``clock`` the acceptance time (aware).

    ``before_send(message)`` runs as a send call arrives, before anything is
    delivered; ``after_accept(message, receipt)`` right after a delivery is
    recorded, before the call answers. Crash tests end the process there.

    A bad argument raises :class:`~omnicontext.errors.InvalidInput` naming it:

    >>> ScriptedNotifier("gateway-a", 5)
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid scripted notifier: channels=5: must be a channel ...
    """

    def __init__(
        self,
        name: str,
        channels: Iterable[str],
        script: Iterable[str] = (),
        *,
        then: str = "ok",
        lookups: Iterable[str] = (),
        state_path: Path | str | None = None,
        clock: Callable[[], datetime] | None = None,
        before_send: Callable[[OutgoingMessage], None] | None = None,
        after_accept: Callable[[OutgoingMessage, SendReceipt], None] | None = None,
    ) -> None:
        subject = "scripted notifier"
        if not isinstance(name, str) or not name.strip():
            raise InvalidInput(subject, [FieldError("name", name, "must be a non-empty string")])
        self.name = name
        self.channels = _channels(subject, channels)
        self._script = _check(subject, "script", script, OUTCOMES)
        self._then = _check(subject, "then", [then], OUTCOMES)[0]
        self._lookups = _check(subject, "lookups", lookups, LOOKUP_OUTCOMES)
        if state_path is not None and not isinstance(state_path, str | os.PathLike):
            raise InvalidInput(
                subject, [FieldError("state_path", state_path, "must be a path or None")]
            )
        self._path = None if state_path is None else Path(state_path)
        for field, hook in (
            ("clock", clock),
            ("before_send", before_send),
            ("after_accept", after_accept),
        ):
            if hook is not None and not callable(hook):
                raise InvalidInput(subject, [FieldError(field, hook, "must be callable or None")])
        self._clock = clock or (lambda: datetime.now(UTC))
        self._before_send = before_send
        self._after_accept = after_accept
        self._lock = threading.RLock()
        self._memory: dict[str, Any] = {"accepted": {}, "deliveries": [], "lookup_down": 0}
        self.send_calls = 0
        """How many times :meth:`send` was called (in this object)."""
        self.lookup_calls = 0
        """How many times :meth:`lookup` was called (in this object)."""

    # ---------------------------------------------------------------- state

    @contextlib.contextmanager
    def _state(self, *, write: bool = True) -> Iterator[dict[str, Any]]:
        """The provider's memory, locked, written back when the block ends."""
        with self._lock:
            if self._path is None:
                yield self._memory
                return
            lock_path = self._path.with_name(self._path.name + ".lock")
            with open(lock_path, "a+") as lock:
                if fcntl is not None:
                    fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
                try:
                    state = self._load()
                    yield state
                    if write:
                        self._store(state)
                finally:
                    if fcntl is not None:
                        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _load(self) -> dict[str, Any]:
        assert self._path is not None
        try:
            text = self._path.read_text("utf-8")
        except FileNotFoundError:
            return {"accepted": {}, "deliveries": [], "lookup_down": 0}
        state: dict[str, Any] = json.loads(text)
        return state

    def _store(self, state: dict[str, Any]) -> None:
        assert self._path is not None
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, prefix=self._path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state, out)
            os.replace(tmp, self._path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @staticmethod
    def _receipt(data: dict[str, str]) -> SendReceipt:
        return SendReceipt(
            data["provider"], data["message_id"], datetime.fromisoformat(data["accepted_at"])
        )

    # ---------------------------------------------------------------- script

    def _next(self) -> str:
        with self._lock:
            return self._script.pop(0) if self._script else self._then

    def script_left(self) -> tuple[str, ...]:
        """The send outcomes not yet used."""
        with self._lock:
            return tuple(self._script)

    def extend(self, outcomes: Iterable[str]) -> None:
        """Append send outcomes to the script."""
        checked = _check("scripted notifier", "outcomes", outcomes, OUTCOMES)
        with self._lock:
            self._script.extend(checked)

    # ---------------------------------------------------------------- Notifier

    def send(self, message: OutgoingMessage, *, timeout: float) -> SendReceipt:
        """Send ``message`` as the script says; a key already accepted delivers nothing new."""
        if self._before_send is not None:
            self._before_send(message)
        with self._lock:
            self.send_calls += 1
            outcome = self._next()
            if outcome == "fail":
                raise ProviderError(f"{self.name} refused the message", provider=self.name)
            if outcome in ("timeout_before_send", "down"):
                if outcome == "down":
                    with self._state() as state:
                        state["lookup_down"] = int(state.get("lookup_down", 0)) + 1
                raise ProviderTimeout(f"{self.name} did not answer", provider=self.name)
            new = False
            with self._state() as state:
                known = state["accepted"].get(message.key)
                if known is None:
                    new = True
                    accepted_at = self._clock()
                    known = {
                        "provider": self.name,
                        "message_id": f"{self.name}-{len(state['accepted']) + 1}",
                        "accepted_at": accepted_at.isoformat(),
                    }
                    state["accepted"][message.key] = known
                    state["deliveries"].append(
                        {
                            "key": message.key,
                            "channel": message.channel,
                            "to": message.to,
                            "body": message.body,
                            "subject": message.subject,
                            "message_id": known["message_id"],
                            "accepted_at": known["accepted_at"],
                        }
                    )
            receipt = self._receipt(known)
            if new and self._after_accept is not None:
                self._after_accept(message, receipt)
            if outcome == "timeout_after_send":
                raise ProviderTimeout(f"{self.name} did not answer", provider=self.name)
            return receipt

    def lookup(self, key: str, *, timeout: float) -> SendReceipt | None:
        """The receipt for ``key`` if accepted, else ``None``; fails as the lookup script says."""
        with self._lock:
            self.lookup_calls += 1
            scripted = self._lookups.pop(0) if self._lookups else "ok"
            with self._state() as state:
                down = int(state.get("lookup_down", 0))
                if down:
                    state["lookup_down"] = down - 1
                known = state["accepted"].get(key)
            if down or scripted == "down":
                raise ProviderTimeout(f"{self.name} could not look up {key!r}", provider=self.name)
            return None if known is None else self._receipt(known)

    # ---------------------------------------------------------------- inspection

    @property
    def deliveries(self) -> tuple[Delivery, ...]:
        """Every delivery actually made, in order (from the state file when there is one)."""
        with self._state(write=False) as state:
            rows = list(state["deliveries"])
        return tuple(
            Delivery(
                key=row["key"],
                channel=row["channel"],
                to=row["to"],
                body=row["body"],
                subject=row["subject"],
                message_id=row["message_id"],
                accepted_at=datetime.fromisoformat(row["accepted_at"]),
            )
            for row in rows
        )

    def accepted(self, key: str) -> bool:
        """Whether this provider accepted ``key``."""
        with self._state(write=False) as state:
            return key in state["accepted"]

    def __repr__(self) -> str:
        return f"ScriptedNotifier({self.name!r}, channels={sorted(self.channels)!r})"
