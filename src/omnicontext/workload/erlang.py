"""Erlang C and Erlang A: how many agents a queue of contacts needs.

Contacts arrive at random (a Poisson stream) at ``arrival_rate`` per
``interval`` seconds, each takes ``aht`` seconds of an agent on average
(exponentially distributed), and they wait in one first-come, first-served
queue. :func:`erlang_c` finds the fewest agents whose *service level*, the
share of contacts answered within ``target_answer_time`` seconds, reaches the
target. :func:`erlang_a` does the same when callers hang up if kept waiting
(exponential patience with mean ``patience`` seconds), which Erlang C ignores.

The textbook example: 100 calls in half an hour, 3 minutes each, 80 % to be
answered within 20 seconds. That is 10 erlangs of traffic, and 14 agents answer
88.8 % within 20 s, with an average speed of answer of 7.8 s, each agent busy
71.4 % of the time:

>>> staffing = erlang_c(arrival_rate=100, interval=1800, aht=180,
...                     target_answer_time=20, service_level=0.8)
>>> staffing.agents, staffing.traffic
(14, 10.0)
>>> round(staffing.service_level, 3), round(staffing.asa, 1), round(staffing.occupancy, 3)
(0.888, 7.8, 0.714)

With 30 % shrinkage (breaks, training, meetings) 20 people must be rostered so
that 14 are on the phones:

>>> erlang_c(arrival_rate=100, interval=1800, aht=180, target_answer_time=20,
...          service_level=0.8, shrinkage=0.3).scheduled_agents
20

No formula forms a factorial or a large power, so 5,000 agents are as exact
as 5. ``docs/staffing.md`` states the formulas and the conventions.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import attrs

from omnicontext.errors import FieldError, InvalidInput

__all__ = [
    "DEFAULT_MAX_AGENTS",
    "InfeasibleTarget",
    "StaffingResult",
    "asa",
    "erlang_a",
    "erlang_a_performance",
    "erlang_b",
    "erlang_c",
    "erlang_c_performance",
    "erlang_c_probability",
    "service_level",
]

DEFAULT_MAX_AGENTS = 100_000
"""The largest staffing the searches consider unless told otherwise."""

_SUBJECT = "staffing"

# Series are summed until the rest is below this share of the sum: past the
# last bit of a double, so the truncation is invisible in the result.
_TAIL = 1e-17
# Running sums are rescaled by this factor (its logarithm kept aside) so that
# huge intermediate terms never overflow.
_BIG = 1e200
_LOG_BIG = math.log(_BIG)


class InfeasibleTarget(InvalidInput):
    """A target no staffing up to ``max_agents`` reaches.

    Each error names the target that is missed and says what ``max_agents``
    agents would achieve.

    >>> erlang_c(arrival_rate=100, interval=1800, aht=180, target_answer_time=20,
    ...          service_level=0.8, max_agents=12)
    Traceback (most recent call last):
    ...
    omnicontext.workload.erlang.InfeasibleTarget: invalid staffing: service_level=0.8: ...
    """


@attrs.frozen
class StaffingResult:
    """A staffing and what it achieves.

    ``agents``: agents on the phones (answering contacts) during the interval.
    ``scheduled_agents``: agents to roster so that ``agents`` remain after
    shrinkage, ``ceil(agents / (1 - shrinkage))``; equal to ``agents`` without
    shrinkage. ``traffic``: the offered load in erlangs,
    ``arrival_rate * aht / (interval * concurrency)``. ``service_level``: the
    share of contacts answered within the target answer time.
    ``asa``: average speed of answer in seconds, the mean wait in the queue
    (with Erlang A, of the contacts that are answered). ``probability_of_waiting``:
    the share of contacts that find every agent busy and wait at all.
    ``occupancy``: the share of their time the agents on the phones spend
    handling contacts. ``probability_of_abandonment``: the share of contacts
    that hang up before an answer (always 0 with Erlang C, which assumes
    nobody does).

    >>> erlang_c_performance(12, arrival_rate=100, interval=1800, aht=180,
    ...                      target_answer_time=20).agents
    12
    """

    agents: int
    scheduled_agents: int
    traffic: float
    service_level: float
    asa: float
    probability_of_waiting: float
    occupancy: float
    probability_of_abandonment: float = 0.0


# --------------------------------------------------------------------------- input checks

_Rule = tuple[Callable[[float], bool], str]

_POSITIVE: _Rule = (lambda v: v > 0, "must be greater than 0")
_NON_NEGATIVE: _Rule = (lambda v: v >= 0, "must be 0 or more")
_FRACTION: _Rule = (lambda v: 0 < v < 1, "must be a fraction greater than 0 and less than 1")
_SHRINKAGE: _Rule = (lambda v: 0 <= v < 1, "must be a fraction from 0 up to (not including) 1")
_OCCUPANCY: _Rule = (lambda v: 0 < v <= 1, "must be a fraction greater than 0 and at most 1")
_CONCURRENCY: _Rule = (lambda v: v >= 1, "must be 1 or more (contacts an agent handles at once)")


def _number(errors: list[FieldError], field: str, value: object, rule: _Rule) -> float:
    """``value`` as a float, or NaN after recording why it is not acceptable."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction | Decimal):
        errors.append(FieldError(field, value, "must be a number"))
        return math.nan
    number = float(value)
    if not math.isfinite(number):
        errors.append(FieldError(field, value, "must be a finite number"))
        return math.nan
    accept, reason = rule
    if not accept(number):
        errors.append(FieldError(field, value, reason))
        return math.nan
    return number


def _whole(errors: list[FieldError], field: str, value: object, minimum: int) -> int:
    """``value`` as an int of at least ``minimum``, or -1 after recording why not."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        errors.append(FieldError(field, value, f"must be a whole number >= {minimum}"))
        return -1
    return value


def _raise_if(errors: list[FieldError]) -> None:
    if errors:
        raise InvalidInput(_SUBJECT, errors)


# --------------------------------------------------------------------------- Erlang B and C


def _erlang_b(n: int, a: float) -> float:
    """B(n, a) by B(0) = 1, B(k) = a B(k-1) / (k + a B(k-1)): every step stays in [0, 1]."""
    b = 1.0
    for k in range(1, n + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def _erlang_c(n: int, a: float, b: float) -> float:
    """C(n, a) from B = B(n, a): n B / (n - a (1 - B)), and 1 when n <= a."""
    if n <= a:
        return 1.0
    return n * b / (n - a + a * b)


def _service_level(n: int, a: float, c: float, aht: float, target: float) -> float:
    if n <= a:
        return 0.0
    return 1.0 - c * math.exp(-(n - a) * target / aht)


def _asa(n: int, a: float, c: float, aht: float) -> float:
    if n <= a:
        return math.inf
    return c * aht / (n - a)


def _check_load(agents: object, traffic: object) -> tuple[int, float]:
    errors: list[FieldError] = []
    n = _whole(errors, "agents", agents, 0)
    a = _number(errors, "traffic", traffic, _POSITIVE)
    _raise_if(errors)
    return n, a


def erlang_b(agents: int, traffic: float) -> float:
    """The Erlang B blocking probability: the chance that all ``agents`` are
    busy when ``traffic`` erlangs are offered and nobody queues.

    It is the building block of Erlang C and A. It is computed with the
    recurrence ``B(0) = 1``, ``B(n) = A B(n-1) / (n + A B(n-1))``, which never
    forms a factorial or a power, so it neither overflows nor loses precision
    for thousands of agents.

    >>> round(erlang_b(14, 10.0), 4)
    0.0568
    >>> 0 < erlang_b(5000, 4800.0) < 1
    True
    """
    n, a = _check_load(agents, traffic)
    return _erlang_b(n, a)


def erlang_c_probability(agents: int, traffic: float) -> float:
    """The Erlang C probability that a contact waits: ``traffic`` erlangs
    offered to ``agents`` agents with an unlimited queue.

    ``C = n B / (n - A (1 - B))`` with ``B`` the Erlang B probability. With
    ``agents <= traffic`` the queue grows without end and every contact waits,
    so the answer is ``1``.

    >>> round(erlang_c_probability(14, 10.0), 4)
    0.1741
    >>> erlang_c_probability(10, 10.0)
    1.0
    """
    n, a = _check_load(agents, traffic)
    return _erlang_c(n, a, _erlang_b(n, a))


def service_level(agents: int, traffic: float, *, aht: float, target_answer_time: float) -> float:
    """The Erlang C share of contacts answered within ``target_answer_time``
    seconds when each takes ``aht`` seconds on average.

    ``SL = 1 - C exp(-(n - A) T / aht)``; ``0`` when ``agents <= traffic``.

    >>> round(service_level(14, 10.0, aht=180, target_answer_time=20), 4)
    0.8884
    """
    n, a = _check_load(agents, traffic)
    errors: list[FieldError] = []
    handle = _number(errors, "aht", aht, _POSITIVE)
    target = _number(errors, "target_answer_time", target_answer_time, _NON_NEGATIVE)
    _raise_if(errors)
    return _service_level(n, a, _erlang_c(n, a, _erlang_b(n, a)), handle, target)


def asa(agents: int, traffic: float, *, aht: float) -> float:
    """The Erlang C average speed of answer in seconds: the mean wait in the
    queue over all contacts, those answered at once included.

    ``ASA = C aht / (n - A)``; infinite when ``agents <= traffic``.

    >>> round(asa(14, 10.0, aht=180), 2)
    7.84
    """
    n, a = _check_load(agents, traffic)
    errors: list[FieldError] = []
    handle = _number(errors, "aht", aht, _POSITIVE)
    _raise_if(errors)
    return _asa(n, a, _erlang_c(n, a, _erlang_b(n, a)), handle)


# --------------------------------------------------------------------------- shared set-up


@attrs.frozen
class _Queue:
    """Checked inputs, in seconds, with concurrency folded into the handle time."""

    rate: float  # arrivals per second
    aht: float  # effective handle time: aht / concurrency
    target: float
    shrinkage: float

    @property
    def traffic(self) -> float:
        return self.rate * self.aht


def _queue(
    errors: list[FieldError],
    *,
    arrival_rate: object,
    interval: object,
    aht: object,
    target_answer_time: object,
    shrinkage: object,
    concurrency: object,
) -> _Queue:
    arrivals = _number(errors, "arrival_rate", arrival_rate, _POSITIVE)
    length = _number(errors, "interval", interval, _POSITIVE)
    handle = _number(errors, "aht", aht, _POSITIVE)
    target = _number(errors, "target_answer_time", target_answer_time, _NON_NEGATIVE)
    shrink = _number(errors, "shrinkage", shrinkage, _SHRINKAGE)
    parallel = _number(errors, "concurrency", concurrency, _CONCURRENCY)
    queue = _Queue(rate=arrivals / length, aht=handle / parallel, target=target, shrinkage=shrink)
    if not errors and not math.isfinite(queue.traffic):
        errors.append(
            FieldError("arrival_rate", arrival_rate, "with this aht the traffic is too large")
        )
    return queue


def _scheduled(agents: int, shrinkage: float) -> int:
    """``ceil(agents / (1 - shrinkage))``, exact: 0.3 is read as 3/10, not as its binary
    approximation, so 21 agents at 30 % shrinkage are 30 people, not 31."""
    return math.ceil(Fraction(agents) / (1 - Fraction(repr(shrinkage))))


def _occupancy_floor(traffic: float, max_occupancy: float) -> int:
    """The fewest agents whose occupancy ``traffic / agents`` is at most ``max_occupancy``."""
    n = max(1, math.ceil(traffic / max_occupancy))
    while traffic / n > max_occupancy:
        n += 1
    while n > 1 and traffic / (n - 1) <= max_occupancy:
        n -= 1
    return n


def _infeasible(field: str, value: float, max_agents: int, achieved: str) -> InfeasibleTarget:
    return InfeasibleTarget(
        _SUBJECT,
        [
            FieldError(
                field,
                value,
                f"not reached with max_agents={max_agents} agents ({achieved})",
            )
        ],
    )


# --------------------------------------------------------------------------- Erlang C staffing


def _c_result(n: int, b: float, queue: _Queue) -> StaffingResult:
    a = queue.traffic
    c = _erlang_c(n, a, b)
    return StaffingResult(
        agents=n,
        scheduled_agents=_scheduled(n, queue.shrinkage),
        traffic=a,
        service_level=_service_level(n, a, c, queue.aht, queue.target),
        asa=_asa(n, a, c, queue.aht),
        probability_of_waiting=c,
        occupancy=min(1.0, a / n),
    )


def erlang_c_performance(
    agents: int,
    *,
    arrival_rate: float,
    interval: float,
    aht: float,
    target_answer_time: float,
    shrinkage: float = 0.0,
    concurrency: float = 1,
) -> StaffingResult:
    """What ``agents`` agents on the phones achieve under Erlang C.

    The arguments are those of :func:`erlang_c`. With ``agents <= traffic``
    the queue grows without end: the service level is ``0``, the ASA
    infinite, every contact waits and the occupancy is ``1``.

    >>> r = erlang_c_performance(13, arrival_rate=100, interval=1800, aht=180,
    ...                          target_answer_time=20)
    >>> round(r.service_level, 3), round(r.asa, 1), round(r.probability_of_waiting, 3)
    (0.796, 17.1, 0.285)
    """
    errors: list[FieldError] = []
    n = _whole(errors, "agents", agents, 1)
    queue = _queue(
        errors,
        arrival_rate=arrival_rate,
        interval=interval,
        aht=aht,
        target_answer_time=target_answer_time,
        shrinkage=shrinkage,
        concurrency=concurrency,
    )
    _raise_if(errors)
    return _c_result(n, _erlang_b(n, queue.traffic), queue)


def erlang_c(
    *,
    arrival_rate: float,
    interval: float,
    aht: float,
    target_answer_time: float,
    service_level: float,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    concurrency: float = 1,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> StaffingResult:
    """The fewest agents that answer ``service_level`` of the contacts within
    ``target_answer_time`` seconds, by Erlang C.

    ``arrival_rate`` contacts arrive per ``interval`` seconds and take ``aht``
    seconds each on average; ``service_level`` is a fraction (``0.8``).

    ``shrinkage``: the fraction of paid time not spent on contacts (breaks,
    training, absence); ``agents`` in the result are those on the phones,
    ``scheduled_agents`` the people to roster. ``max_occupancy``: add agents
    until each is busy at most this fraction of the time. ``concurrency``: the
    contacts one agent handles at once (chats); the queue is modelled as
    agents ``concurrency`` times as fast, a handle time of
    ``aht / concurrency``. ``max_agents``: the largest staffing considered;
    beyond it :class:`InfeasibleTarget` is raised.

    The search starts at the fewest agents that keep the queue finite
    (``floor(traffic) + 1``) and steps up one agent at a time, updating Erlang B
    in constant time per step.

    >>> r = erlang_c(arrival_rate=100, interval=1800, aht=180, target_answer_time=20,
    ...              service_level=0.8, max_occupancy=0.7)
    >>> r.agents, round(r.occupancy, 3)
    (15, 0.667)
    """
    errors: list[FieldError] = []
    queue = _queue(
        errors,
        arrival_rate=arrival_rate,
        interval=interval,
        aht=aht,
        target_answer_time=target_answer_time,
        shrinkage=shrinkage,
        concurrency=concurrency,
    )
    target = _number(errors, "service_level", service_level, _FRACTION)
    ceiling = _number(errors, "max_occupancy", max_occupancy, _OCCUPANCY)
    limit = _whole(errors, "max_agents", max_agents, 1)
    _raise_if(errors)

    a = queue.traffic
    if a >= limit:
        raise _infeasible(
            "service_level", target, limit, f"traffic is {a:.6g} erlangs, the queue never clears"
        )
    n = max(math.floor(a) + 1, _occupancy_floor(a, ceiling))
    if n > limit:
        raise _infeasible("max_occupancy", ceiling, limit, f"{n} agents are needed")
    b = _erlang_b(n, a)
    while _service_level(n, a, _erlang_c(n, a, b), queue.aht, queue.target) < target:
        if n == limit:
            achieved = _service_level(n, a, _erlang_c(n, a, b), queue.aht, queue.target)
            raise _infeasible("service_level", target, limit, f"{n} agents give {achieved:.6g}")
        n += 1
        ab = a * b
        b = ab / (n + ab)
    return _c_result(n, b, queue)


# --------------------------------------------------------------------------- Erlang A


def _digamma(z: float) -> float:
    """psi(z) for z > 0: the recurrence up to z >= 20, then the asymptotic series."""
    shift = 0.0
    while z < 20.0:
        shift -= 1.0 / z
        z += 1.0
    f = 1.0 / (z * z)
    tail = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f / 132))))
    return shift + math.log(z) - 0.5 / z - tail


def _first_term(s: float, w: float) -> tuple[int, float]:
    """Where to start summing sum_k w^k / ((s+1)...(s+k)), and the log of that term.

    The terms grow while k < w - s, then shrink. When the peak is far out, the
    terms more than a few standard deviations (sqrt(w)) before it add less
    than 1e-26 of the sum and are skipped, so the work grows with sqrt(w)
    rather than with w.
    """
    excess = w - s
    if excess <= 0:
        return 0, 0.0
    start = math.floor(excess - math.sqrt(2.0 * w * (60.0 + math.log1p(w))))
    if start <= 0:
        return 0, 0.0
    return start, start * math.log(w) + math.lgamma(s + 1.0) - math.lgamma(s + start + 1.0)


def _log_kummer(s: float, w: float) -> float:
    """log M(s, w), where M(s, w) = sum over k >= 0 of w^k / ((s+1)(s+2)...(s+k)).

    M is Kummer's 1F1(1; s+1; w), and s e^w w^-s times the lower incomplete
    gamma function gamma(s, w). All its terms are positive, so the sum loses no
    precision; it is carried in scaled form so that it never overflows.
    """
    k, shift = _first_term(s, w)
    term, total = 1.0, 0.0
    while True:
        total += term
        k += 1
        ratio = w / (s + k)
        term *= ratio
        if ratio < 1 and term <= _TAIL * total * (1 - ratio):
            return math.log(total) + shift
        if term > _BIG:
            term /= _BIG
            total /= _BIG
            shift += _LOG_BIG


def _queue_sums(x: float, y: float) -> tuple[float, float, float, float, float]:
    """Sums over the states with every agent busy and j contacts queued.

    With x = n mu / theta and y = lambda / theta, state n + j has probability
    pi_n t_j, t_j = y^j / ((x+1)...(x+j)). A contact arriving there is answered
    with probability x / (x + j + 1), and its wait, given it is answered,
    averages H_j / theta with H_j = sum_{i=0..j} 1 / (x + 1 + i): in units of
    1/theta its wait is -log U with U ~ Beta(x, j + 1). Returns, all scaled by
    exp(-shift): sum t_j (that is M(x, y)), sum t_j x/(x+j+1) (answered),
    sum t_j (j+1)/(x+j+1) (abandoned), sum t_j x/(x+j+1) H_j (time waited by
    those answered, in units of 1/theta), and shift.
    """
    j, shift = _first_term(x, y)
    term = 1.0
    # H_j = psi(x + j + 2) - psi(x + 1)
    harmonic = 1.0 / (x + 1.0) if j == 0 else _digamma(x + j + 2.0) - _digamma(x + 1.0)
    every = answered = abandoned = waited = 0.0
    while True:
        answer = x / (x + j + 1.0)
        every += term
        answered += term * answer
        abandoned += term * (j + 1.0) / (x + j + 1.0)
        waited += term * answer * harmonic
        j += 1
        ratio = y / (x + j)
        term *= ratio
        if ratio < 1 and term <= _TAIL * every * (1 - ratio):
            return every, answered, abandoned, waited, shift
        harmonic += 1.0 / (x + j + 1.0)
        if term > _BIG:
            term /= _BIG
            every /= _BIG
            answered /= _BIG
            abandoned /= _BIG
            waited /= _BIG
            shift += _LOG_BIG


def _logaddexp(p: float, q: float) -> float:
    high = max(p, q)
    if high == math.inf:
        return math.inf
    return high + math.log1p(math.exp(-abs(p - q)))


def _a_result(n: int, queue: _Queue, patience: float) -> StaffingResult:
    """Erlang A (M/M/n+M) measures for ``n`` agents, after Mandelbaum and Zeltyn."""
    a = queue.traffic
    x = n * patience / queue.aht
    y = queue.rate * patience
    b = _erlang_b(n, a)
    # log of sum_{k<n} pi_k / pi_n = 1/B - 1 (infinite when B underflows: nobody waits)
    log_below = math.inf if b == 0.0 else math.log1p(-b) - math.log(b)
    every, answered, abandoned, waited, shift = _queue_sums(x, y)
    log_total = _logaddexp(log_below, math.log(every) + shift)  # 1 / pi_n

    def share(scaled: float) -> float:
        return math.exp(math.log(scaled) + shift - log_total) if scaled > 0 else 0.0

    waiting = share(every)
    abandon = share(abandoned)
    if log_below == math.inf:
        served = 1.0
    else:
        served = math.exp(_logaddexp(log_below, math.log(answered) + shift) - log_total)
    # answered, but after more than the target answer time:
    # x/(x+1) z^(x+1) e^(y(1-z)) M(x+1, yz) with z = exp(-T/patience)
    if queue.target == 0:
        late = share(answered)
    elif log_total == math.inf or x == 0.0:  # nobody waits, or nobody waiting is answered
        late = 0.0
    else:
        decay = queue.target / patience
        late = math.exp(
            math.log(x / (x + 1.0))
            - (x + 1.0) * decay
            - y * math.expm1(-decay)
            + _log_kummer(x + 1.0, y * math.exp(-decay))
            - log_total
        )
    return StaffingResult(
        agents=n,
        scheduled_agents=_scheduled(n, queue.shrinkage),
        traffic=a,
        service_level=min(1.0, max(0.0, 1.0 - abandon - late)),
        asa=patience * share(waited) / served,
        probability_of_waiting=waiting,
        occupancy=min(1.0, a * served / n),
        probability_of_abandonment=abandon,
    )


def erlang_a_performance(
    agents: int,
    *,
    arrival_rate: float,
    interval: float,
    aht: float,
    patience: float,
    target_answer_time: float,
    shrinkage: float = 0.0,
    concurrency: float = 1,
) -> StaffingResult:
    """What ``agents`` agents achieve under Erlang A (M/M/n+M): Erlang C with
    callers who hang up after an exponentially distributed wait of mean
    ``patience`` seconds.

    ``service_level`` is the share of *all* contacts that are answered within
    the target (those who hang up count as missed); ``asa`` is the mean wait of
    the contacts that are answered; ``occupancy`` counts only answered contacts.
    The other arguments are those of :func:`erlang_c`.

    Unlike Erlang C, the queue stays finite with fewer agents than erlangs of
    traffic, since the callers who hang up make room:

    >>> r = erlang_a_performance(9, arrival_rate=100, interval=1800, aht=180,
    ...                          patience=120, target_answer_time=20)
    >>> round(r.probability_of_abandonment, 3), round(r.service_level, 3), round(r.asa, 1)
    (0.192, 0.524, 20.9)
    """
    errors: list[FieldError] = []
    n = _whole(errors, "agents", agents, 1)
    queue = _queue(
        errors,
        arrival_rate=arrival_rate,
        interval=interval,
        aht=aht,
        target_answer_time=target_answer_time,
        shrinkage=shrinkage,
        concurrency=concurrency,
    )
    mean_patience = _number(errors, "patience", patience, _POSITIVE)
    _raise_if(errors)
    return _a_result(n, queue, mean_patience)


def erlang_a(
    *,
    arrival_rate: float,
    interval: float,
    aht: float,
    patience: float,
    target_answer_time: float,
    service_level: float,
    max_abandonment: float | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    concurrency: float = 1,
    max_agents: int = DEFAULT_MAX_AGENTS,
) -> StaffingResult:
    """The fewest agents that answer ``service_level`` of all contacts within
    ``target_answer_time`` seconds when callers hang up after waiting
    ``patience`` seconds on average (Erlang A).

    ``max_abandonment``, when given, also caps the share of contacts that hang
    up. The other arguments are those of :func:`erlang_c`; the measures are
    those of :func:`erlang_a_performance`. Every target improves with each
    agent added, so the fewest agents meeting all of them are found by
    bisection.

    Erlang C assumes callers wait for ever, so it asks for more agents than
    needed when they do not:

    >>> r = erlang_a(arrival_rate=100, interval=1800, aht=180, patience=120,
    ...              target_answer_time=20, service_level=0.8)
    >>> r.agents, round(r.service_level, 3), round(r.probability_of_abandonment, 3)
    (12, 0.826, 0.062)
    """
    errors: list[FieldError] = []
    queue = _queue(
        errors,
        arrival_rate=arrival_rate,
        interval=interval,
        aht=aht,
        target_answer_time=target_answer_time,
        shrinkage=shrinkage,
        concurrency=concurrency,
    )
    mean_patience = _number(errors, "patience", patience, _POSITIVE)
    target = _number(errors, "service_level", service_level, _FRACTION)
    cap = (
        None
        if max_abandonment is None
        else _number(errors, "max_abandonment", max_abandonment, _FRACTION)
    )
    ceiling = _number(errors, "max_occupancy", max_occupancy, _OCCUPANCY)
    limit = _whole(errors, "max_agents", max_agents, 1)
    _raise_if(errors)

    def misses(result: StaffingResult) -> list[FieldError]:
        got = result.agents
        found: list[FieldError] = []
        if result.service_level < target:
            found.append(
                FieldError(
                    "service_level",
                    target,
                    f"not reached with max_agents={limit} agents "
                    f"({got} agents give {result.service_level:.6g})",
                )
            )
        if cap is not None and result.probability_of_abandonment > cap:
            found.append(
                FieldError(
                    "max_abandonment",
                    cap,
                    f"not reached with max_agents={limit} agents "
                    f"({got} agents give {result.probability_of_abandonment:.6g})",
                )
            )
        if result.occupancy > ceiling:
            found.append(
                FieldError(
                    "max_occupancy",
                    ceiling,
                    f"not reached with max_agents={limit} agents "
                    f"({got} agents give {result.occupancy:.6g})",
                )
            )
        return found

    # Fewer than service_level * traffic agents cannot answer that share: they
    # answer at most agents / traffic of the contacts. Likewise fewer than
    # (1 - max_abandonment) * traffic agents lose more than max_abandonment.
    a = queue.traffic
    low = max(0, math.ceil(max(target, 0.0 if cap is None else 1.0 - cap) * a) - 1)
    # Double until every target is met, then bisect between the last miss and the hit.
    high = min(limit, max(1, low + 1, math.ceil(a)))
    best = _a_result(high, queue, mean_patience)
    while misses(best):
        if high == limit:
            raise InfeasibleTarget(_SUBJECT, misses(best))
        low, high = high, min(limit, 2 * high)
        best = _a_result(high, queue, mean_patience)
    while high - low > 1:
        middle = (low + high) // 2
        trial = _a_result(middle, queue, mean_patience)
        if misses(trial):
            low = middle
        else:
            high, best = middle, trial
    return best
