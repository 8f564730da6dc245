"""Providers, the fallback chain's rules and the circuit breaker."""

from __future__ import annotations

import pickle
import threading
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.handoff.delivery import (
    BreakerState,
    CircuitBreaker,
    FallbackChain,
    Notifier,
    OutgoingMessage,
    ProviderAttempt,
    ProviderError,
    ProviderTimeout,
    SendReceipt,
)
from omnicontext.model import AttemptOutcome
from omnicontext.testing.notifiers import OUTCOMES, ScriptedNotifier

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FakeClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def msg(key: str = "n-1", channel: str = "sms") -> OutgoingMessage:
    return OutgoingMessage(key=key, channel=channel, to="+447700900123", body="Case REF-1 moved.")


def keys(notifier: ScriptedNotifier) -> list[str]:
    return [d.key for d in notifier.deliveries]


# ----------------------------------------------------------------- values


def test_message_and_receipt_validate() -> None:
    with pytest.raises(InvalidInput) as err:
        OutgoingMessage(key="k", channel="sms", to="", body="x")
    assert err.value.field == "to"
    naive = datetime(2026, 3, 2, 9, 0)
    with pytest.raises(InvalidInput) as err2:
        SendReceipt("a", "m-1", naive)
    assert (err2.value.field, err2.value.value) == ("accepted_at", naive)


def test_provider_errors_pickle_and_keep_provider() -> None:
    err = pickle.loads(pickle.dumps(ProviderTimeout("slow", provider="gw")))
    assert type(err) is ProviderTimeout
    assert isinstance(err, ProviderError)
    assert (str(err), err.provider) == ("slow", "gw")


def test_scripted_notifier_is_a_notifier_and_rejects_bad_scripts() -> None:
    assert isinstance(ScriptedNotifier("a", {"sms"}), Notifier)
    with pytest.raises(InvalidInput) as err:
        ScriptedNotifier("a", {"sms"}, script=["ok", "explode"])
    assert (err.value.field, err.value.value) == ("script[1]", "explode")


# ----------------------------------------------------------------- chain rules


def test_only_providers_carrying_the_channel_are_tried_in_order() -> None:
    email = ScriptedNotifier("mailer", {"email"})
    a = ScriptedNotifier("a", {"sms"}, script=["fail"])
    clock = FakeClock()
    b = ScriptedNotifier("b", {"sms", "whatsapp"}, clock=clock)
    result = FallbackChain([email, a, b], clock=clock).deliver(msg())
    assert [(x.provider, x.outcome) for x in result.attempts] == [
        ("a", AttemptOutcome.FAILED),
        ("b", AttemptOutcome.SENT),
    ]
    assert email.send_calls == 0
    assert result.sent
    assert result.delivered_by == "b"
    assert result.receipt == SendReceipt("b", "b-1", T0)
    assert keys(b) == ["n-1"]
    assert keys(a) == []


def test_no_provider_for_the_channel() -> None:
    result = FallbackChain([ScriptedNotifier("mailer", {"email"})]).deliver(msg(channel="sms"))
    assert not result.sent
    assert not result.in_doubt
    assert result.attempts == ()
    assert result.reasons == ("no provider carries channel 'sms'",)


def test_timeout_then_lookup_none_moves_on() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["timeout_before_send"])
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    first = result.attempts[0]
    assert (first.outcome, first.in_doubt) == (AttemptOutcome.TIMEOUT, False)
    assert "lookup found no receipt" in first.detail
    assert a.lookup_calls == 1
    assert result.delivered_by == "b"
    assert keys(a) == []
    assert keys(b) == ["n-1"]


def test_timeout_then_lookup_receipt_is_sent_and_stops() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["timeout_after_send"])
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    assert result.sent
    assert result.delivered_by == "a"
    assert result.receipt is not None
    assert result.receipt.message_id == "a-1"
    assert b.send_calls == 0
    assert keys(a) == ["n-1"]


def test_timeout_with_failing_lookup_stops_in_doubt() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["timeout_after_send"], lookups=["down"])
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    assert not result.sent
    assert result.in_doubt
    assert result.in_doubt_provider == "a"
    assert b.send_calls == 0, "trying another provider could deliver it twice"
    assert keys(a) == ["n-1"]  # it was in fact delivered; nobody could know
    assert "in doubt" in result.attempts[0].detail


def test_down_provider_is_in_doubt_too() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["down"])
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    assert result.in_doubt
    assert b.send_calls == 0
    assert keys(a) == []
    # Only the next lookup failed: the provider answers again afterwards.
    assert a.lookup("n-1", timeout=1) is None


def test_everything_failed_lists_the_reasons() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["fail"])
    b = ScriptedNotifier("b", {"sms"}, script=["timeout_before_send"])
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    assert not result.sent
    assert not result.in_doubt
    assert [r.split(":")[0] for r in result.reasons] == ["a", "b"]
    assert "refused" in result.reasons[0]


def test_unexpected_exception_is_treated_as_in_doubt() -> None:
    class Broken(ScriptedNotifier):
        def send(self, message: OutgoingMessage, *, timeout: float) -> SendReceipt:
            super().send(message, timeout=timeout)
            raise ConnectionResetError("peer reset")

    a = Broken("a", {"sms"})
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg())
    # a delivered before failing: the lookup finds it, b is never called.
    assert result.delivered_by == "a"
    assert b.send_calls == 0
    assert "ConnectionResetError" in result.attempts[0].detail


def test_a_repeat_delivers_nothing_new() -> None:
    a = ScriptedNotifier("a", {"sms"})
    chain = FallbackChain([a], clock=FakeClock())
    first = chain.deliver(msg())
    second = chain.deliver(msg())
    assert first.receipt == second.receipt
    assert keys(a) == ["n-1"]


def test_hooks_see_every_attempt_and_before_send_can_stop_the_chain() -> None:
    a = ScriptedNotifier("a", {"sms"}, script=["fail"])
    b = ScriptedNotifier("b", {"sms"})
    started: list[str] = []
    seen: list[ProviderAttempt] = []
    FallbackChain([a, b], clock=FakeClock()).deliver(
        msg(), before_send=started.append, after_attempt=seen.append
    )
    assert started == ["a", "b"]
    assert [x.outcome for x in seen] == [AttemptOutcome.FAILED, AttemptOutcome.SENT]

    class Stop(Exception):
        pass

    def refuse(name: str) -> None:
        raise Stop(name)

    c = ScriptedNotifier("c", {"sms"})
    chain = FallbackChain([c], failure_threshold=1, reset_after=10, clock=FakeClock())
    with pytest.raises(Stop):
        chain.deliver(msg("n-2"), before_send=refuse)
    assert c.send_calls == 0
    assert chain.breaker("c").state is BreakerState.CLOSED  # nothing counted


def test_exclude_skips_named_providers() -> None:
    a = ScriptedNotifier("a", {"sms"})
    b = ScriptedNotifier("b", {"sms"})
    result = FallbackChain([a, b], clock=FakeClock()).deliver(msg(), exclude={"a"})
    assert result.delivered_by == "b"
    assert a.send_calls == 0


def test_chain_validates_its_arguments() -> None:
    a = ScriptedNotifier("a", {"sms"})
    with pytest.raises(InvalidInput) as err:
        FallbackChain([a, ScriptedNotifier("a", {"email"})])
    assert (err.value.field, err.value.value) == ("providers[1].name", "a")
    with pytest.raises(InvalidInput) as err:
        FallbackChain([])
    assert err.value.field == "providers"
    with pytest.raises(InvalidInput) as err:
        FallbackChain([a, object()])  # type: ignore[list-item]
    assert err.value.field == "providers[1]"
    with pytest.raises(InvalidInput) as err:
        FallbackChain([a], timeout=0)
    assert (err.value.field, err.value.value) == ("timeout", 0)
    with pytest.raises(InvalidInput) as err:
        FallbackChain([a], clock=lambda: datetime(2026, 1, 1)).deliver(msg())
    assert err.value.field == "clock"


# ----------------------------------------------------------------- breaker


def test_open_circuit_is_skipped_and_reported() -> None:
    clock = FakeClock()
    a = ScriptedNotifier("a", {"sms"}, script=["fail", "fail"])
    b = ScriptedNotifier("b", {"sms"})
    chain = FallbackChain([a, b], failure_threshold=2, reset_after=60, clock=clock)
    chain.deliver(msg("n-1"))
    chain.deliver(msg("n-2"))
    status = chain.breaker_states()[0]
    assert (status.provider, status.state, status.consecutive_failures) == (
        "a",
        BreakerState.OPEN,
        2,
    )
    assert status.opened_at == T0
    assert status.retry_at == T0 + timedelta(seconds=60)
    result = chain.deliver(msg("n-3"))
    assert result.attempts[0].outcome is AttemptOutcome.SKIPPED
    assert "circuit open" in result.attempts[0].detail
    assert a.send_calls == 2
    assert keys(b) == ["n-1", "n-2", "n-3"]
    assert chain.breaker_states()[1].state is BreakerState.CLOSED


def test_breaker_transitions_with_a_fake_clock() -> None:
    clock = FakeClock()
    br = CircuitBreaker("a", failure_threshold=3, reset_after=timedelta(seconds=30), clock=clock)
    for _ in range(2):
        p = br.acquire()
        assert p is not None
        assert not p.trial
        br.record(p, success=False)
    assert br.status().state is BreakerState.CLOSED
    assert br.status().consecutive_failures == 2
    p = br.acquire()
    assert p is not None
    br.record(p, success=True)  # a success resets the count
    assert br.status().consecutive_failures == 0
    for _ in range(3):
        p = br.acquire()
        assert p is not None
        br.record(p, success=False)
    assert br.status().state is BreakerState.OPEN
    assert br.status().opened_at == T0
    clock.advance(29)
    assert br.acquire() is None
    clock.advance(1)
    assert br.status().state is BreakerState.HALF_OPEN
    trial = br.acquire()
    assert trial is not None
    assert trial.trial
    assert br.acquire() is None, "half-open lets one trial through"
    br.record(trial, success=False)  # the trial failed: open again, from now
    status = br.status()
    assert status.state is BreakerState.OPEN
    assert status.opened_at == T0 + timedelta(seconds=30)
    clock.advance(30)
    trial = br.acquire()
    assert trial is not None
    br.record(trial, success=None)  # not made: the trial slot is free again
    trial = br.acquire()
    assert trial is not None
    assert trial.trial
    br.record(trial, success=True)
    status = br.status()
    assert (status.state, status.consecutive_failures, status.opened_at) == (
        BreakerState.CLOSED,
        0,
        None,
    )


def test_a_late_result_does_not_decide_for_the_trial() -> None:
    clock = FakeClock()
    br = CircuitBreaker("a", failure_threshold=1, reset_after=10, clock=clock)
    early = br.acquire()
    failing = br.acquire()
    assert early is not None
    assert failing is not None
    br.record(failing, success=False)
    assert br.state is BreakerState.OPEN
    br.record(early, success=True)  # admitted while closed, answers late
    assert br.state is BreakerState.OPEN


def test_breaker_validates() -> None:
    with pytest.raises(InvalidInput) as err:
        CircuitBreaker("a", failure_threshold=0)
    assert (err.value.field, err.value.value) == ("failure_threshold", 0)
    with pytest.raises(InvalidInput) as err:
        CircuitBreaker("a", reset_after=-1)
    assert err.value.field == "reset_after"
    other = CircuitBreaker("b").acquire()
    assert other is not None
    with pytest.raises(InvalidInput) as err:
        CircuitBreaker("a").record(other, success=True)
    assert err.value.field == "permit"


def test_half_open_admits_exactly_one_trial_across_threads() -> None:
    clock = FakeClock()
    br = CircuitBreaker("a", failure_threshold=1, reset_after=5, clock=clock)
    p = br.acquire()
    assert p is not None
    br.record(p, success=False)
    clock.advance(5)
    barrier = threading.Barrier(32)
    granted: list[bool] = []
    lock = threading.Lock()

    def ask() -> None:
        barrier.wait()
        permit = br.acquire()
        with lock:
            granted.append(permit is not None)

    threads = [threading.Thread(target=ask) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(granted) == [False] * 31 + [True]


def test_concurrent_failures_are_all_counted() -> None:
    br = CircuitBreaker("a", failure_threshold=10_000, clock=FakeClock())

    def fail(n: int) -> None:
        for _ in range(n):
            permit = br.acquire()
            assert permit is not None
            br.record(permit, success=False)

    threads = [threading.Thread(target=fail, args=(400,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert br.status().consecutive_failures == 3200
    assert br.state is BreakerState.CLOSED


# ----------------------------------------------------------------- property

outcome = st.sampled_from(sorted(OUTCOMES))
lookup_outcome = st.sampled_from(["ok", "down"])
provider_spec = st.tuples(
    st.lists(outcome, max_size=6),
    st.lists(lookup_outcome, max_size=4),
    st.sets(st.sampled_from(["sms", "email"]), min_size=1),
)


@settings(max_examples=150, deadline=None)
@given(
    specs=st.lists(provider_spec, min_size=1, max_size=3),
    messages=st.lists(st.sampled_from(["sms", "email"]), min_size=1, max_size=6),
    threshold=st.integers(1, 3),
)
def test_never_twice_and_sent_iff_delivered(
    specs: list[tuple[list[str], list[str], set[str]]], messages: list[str], threshold: int
) -> None:
    clock = FakeClock()
    providers = [
        ScriptedNotifier(f"p{i}", channels, script, lookups=lookups, clock=clock)
        for i, (script, lookups, channels) in enumerate(specs)
    ]
    chain = FallbackChain(providers, failure_threshold=threshold, reset_after=30, clock=clock)
    for n, channel in enumerate(messages):
        key = f"k{n}"
        result = chain.deliver(msg(key, channel))
        holders = [p.name for p in providers if key in keys(p)]
        assert len(holders) <= 1, f"{key} delivered by {holders}"
        if result.sent:
            assert result.receipt is not None
            assert holders == [result.delivered_by]
        elif result.in_doubt:
            assert holders in ([], [result.in_doubt_provider])
        else:
            assert holders == []
        clock.advance(7)
    for p in providers:
        delivered = keys(p)
        assert len(delivered) == len(set(delivered))
