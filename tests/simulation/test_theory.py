"""The simulator against queueing theory, and against an independent simulator.

With Poisson arrivals, exponential handle times, one first-come, first-served
queue, customers who never hang up, no wrap-up and ``c`` identical agents, a
contact centre is the M/M/c queue. Its steady state is known exactly (Erlang
C), and ciw, an independent discrete-event simulator, runs the same model. So
the simulator, and the real dispatcher it drives, is checked three ways:

* against Erlang C: the probability of waiting, the service level within 20 s
  and the average speed of answer, at occupancies from 50 % to 95 %;
* against ciw drawing its own random numbers: the two mean waits, each with a
  95 % confidence interval, must overlap;
* against ciw replaying the very same customers: every statistic of the waits
  must agree, to rounding.

Waits in a queue are strongly autocorrelated, the more so the busier the
agents, so binomial errors would be far too optimistic. Precision is measured
by batch means: a run, after a warm-up, is cut into consecutive batches of
whole hours whose means are close to independent, and the standard error is
that of the batch means.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import random
import statistics
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from omnicontext.kpi import Durations, Rate
from omnicontext.model import Agent
from omnicontext.simulation import (
    ChannelResult,
    Exponential,
    Fixed,
    Scenario,
    SimulationResult,
    Staff,
    Traffic,
    generate_arrivals,
    simulate,
)
from omnicontext.workload.erlang import asa, erlang_c_probability, service_level

AGENTS = 10
AHT = 180.0
"""Mean handle time, seconds."""
TARGET = 20.0
"""The service level's answer time, seconds (the scenario's default)."""
ARRIVALS = 200_000
"""Customers per load, about: the rate is constant and the run lasts whole hours."""
WARM_UP_HOURS = 2
"""Hours dropped at the start, when the empty system makes waits shorter."""
BATCHES = 25
T_975 = 2.0639
"""Student's t, 97.5 % quantile, BATCHES - 1 = 24 degrees of freedom."""
TOLERANCE = 1.5
"""Percentage points between a simulated share and Erlang C."""
DRAIN = timedelta(hours=12)
"""How long ciw runs on past the last arrival, so that every customer is served."""
SEED = 1
CIW_SEED = 2026
START = datetime(2026, 1, 5, tzinfo=UTC)
HOUR = 3600.0

LOADS = [0.5, 0.65, 0.8, 0.9, 0.95]


@pytest.fixture(scope="module")
def ciw() -> Any:
    return pytest.importorskip("ciw")


@contextlib.contextmanager
def _seeded(ciw: Any, seed: int) -> Iterator[None]:
    """Seed ciw, which draws from the process-wide ``random`` module (and its own
    numpy generator), and put both back afterwards."""
    state, generator = random.getstate(), ciw.rng
    ciw.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)
        ciw.rng = generator


def _scenario(
    occupancy: float, *, arrivals: int = ARRIVALS, seed: int = SEED, agents: int = AGENTS
) -> Scenario:
    """M/M/c at ``occupancy``: a constant Poisson rate over as many whole hours as
    ``arrivals`` customers need, and agents on until everyone is served."""
    per_hour = occupancy * agents * HOUR / AHT
    hours = math.ceil(arrivals / per_hour)
    phone = Traffic("phone", rates=[per_hour] * hours, handle=Exponential(AHT), wrap_up=Fixed(0))
    staff = [Staff(Agent(id=f"agent-{i:02d}", channels=("phone",))) for i in range(agents)]
    return Scenario(start=START, traffic=[phone], staff=staff, seed=seed)


@functools.cache
def _run(occupancy: float) -> SimulationResult:
    """The long run at one load, shared by the tests that look at it."""
    return simulate(_scenario(occupancy))


def _hours(result: SimulationResult) -> int:
    return len(result.scenario.traffic[0].rates)


def _batch_bounds(hours: int) -> list[tuple[int, int]]:
    """BATCHES consecutive runs of whole hours covering ``[WARM_UP_HOURS, hours)``."""
    kept = hours - WARM_UP_HOURS
    edges = [WARM_UP_HOURS + round(i * kept / BATCHES) for i in range(BATCHES + 1)]
    return list(itertools.pairwise(edges))


@attrs.frozen
class Estimate:
    """A steady-state mean: ``value`` over the whole run after the warm-up, and its
    standard error ``se`` by batch means."""

    value: float
    se: float
    n: int

    @classmethod
    def of(cls, batches: Sequence[tuple[float, int]]) -> Estimate:
        """From each batch's total and number of customers."""
        n = sum(count for _, count in batches)
        means = [total / count for total, count in batches]
        se = statistics.stdev(means) / math.sqrt(len(means))
        return cls(math.fsum(total for total, _ in batches) / n, se, n)

    @property
    def ci(self) -> tuple[float, float]:
        """The 95 % confidence interval."""
        return self.value - T_975 * self.se, self.value + T_975 * self.se


def _steady(
    result: SimulationResult, part: Callable[[ChannelResult], tuple[float, int]]
) -> Estimate:
    """Sum ``part`` (a total and a count per hour) over each batch of hours."""
    hours = [channels["phone"] for _, channels in sorted(result.by_interval.items())]
    assert len(hours) == _hours(result)  # an hour without calls would shift the batches
    batches = []
    for lo, hi in _batch_bounds(len(hours)):
        parts = [part(hour) for hour in hours[lo:hi]]
        batches.append((math.fsum(t for t, _ in parts), sum(c for _, c in parts)))
    return Estimate.of(batches)


def _share(pick: Callable[[ChannelResult], Rate]) -> Callable[[ChannelResult], tuple[float, int]]:
    return lambda hour: (100.0 * pick(hour).count, pick(hour).n)


def _mean_wait(hour: ChannelResult) -> tuple[float, int]:
    return (hour.wait.mean or 0.0) * hour.wait.n, hour.wait.n


@pytest.mark.slow
@pytest.mark.parametrize("occupancy", LOADS)
def test_mmc_agrees_with_erlang_c(occupancy: float) -> None:
    """Probability of waiting and service level within 1.5 points of Erlang C,
    the average speed of answer within three standard errors, and the agents'
    occupancy at the offered load.

    The bound is the 1.5 points set for the simulator. At 200,000 customers
    the batch-means standard error of a share grows from about 0.1 points at
    50 % occupancy to 1.1-1.4 at 95 % (the busier the agents, the longer a
    congested spell lasts), so at high load other seeds can land further
    out; with this seed every deviation is under 0.7 points.
    """
    result = _run(occupancy)
    traffic = occupancy * AGENTS
    assert result.overall.abandoned == 0
    assert result.overall.unserved == 0
    assert result.offered == pytest.approx(ARRIVALS, rel=0.02)

    waited = _steady(result, _share(lambda hour: hour.waited))
    expected = 100.0 * erlang_c_probability(AGENTS, traffic)
    assert abs(waited.value - expected) <= TOLERANCE

    within = _steady(result, _share(lambda hour: hour.service_level))
    expected = 100.0 * service_level(AGENTS, traffic, aht=AHT, target_answer_time=TARGET)
    assert abs(within.value - expected) <= TOLERANCE

    wait = _steady(result, _mean_wait)
    assert abs(wait.value - asa(AGENTS, traffic, aht=AHT)) <= 3 * wait.se

    # The agents' busy share is the offered load; it varies with the realised
    # arrivals and handle times only, by about 0.3 points at 200,000 customers.
    occupied = result.occupancy["(all)"].value
    assert occupied == pytest.approx(100.0 * occupancy, abs=1.0)


def _ciw_mean_wait(ciw: Any, occupancy: float, hours: int) -> Estimate:
    """ciw's M/M/c over ``hours`` hours, batched exactly as the simulator's hours."""
    network = ciw.create_network(
        arrival_distributions=[ciw.dists.Exponential(rate=occupancy * AGENTS / AHT)],
        service_distributions=[ciw.dists.Exponential(rate=1 / AHT)],
        number_of_servers=[AGENTS],
    )
    horizon = hours * HOUR
    with _seeded(ciw, CIW_SEED):
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(horizon + DRAIN.total_seconds())
    assert all(ind.arrival_date >= horizon for ind in sim.nodes[1].all_individuals)
    waits: list[list[float]] = [[] for _ in range(hours)]
    for record in sim.get_all_records():
        if record.arrival_date < horizon:
            waits[int(record.arrival_date // HOUR)].append(record.waiting_time)
    batches = []
    for lo, hi in _batch_bounds(hours):
        batch = [w for hour in waits[lo:hi] for w in hour]
        batches.append((math.fsum(batch), len(batch)))
    return Estimate.of(batches)


@pytest.mark.slow
@pytest.mark.parametrize("occupancy", [0.8, 0.9, 0.95])
def test_mmc_mean_wait_agrees_with_ciw(ciw: Any, occupancy: float) -> None:
    """The two 95 % confidence intervals of the mean wait overlap.

    Both estimates are equally noisy, so requiring ours to fall inside ciw's
    interval would fail about one time in six even if both simulators were
    right; two intervals of equal width fail to overlap only when the means
    are more than 2.77 standard errors of their difference apart (p < 0.006).
    """
    result = _run(occupancy)
    ours = _steady(result, _mean_wait)
    theirs = _ciw_mean_wait(ciw, occupancy, _hours(result))
    assert theirs.n == pytest.approx(ours.n, rel=0.02)
    (our_low, our_high), (their_low, their_high) = ours.ci, theirs.ci
    assert our_low <= their_high
    assert their_low <= our_high


def test_ciw_replaying_the_same_customers_gives_the_same_waits(ciw: Any) -> None:
    """The simulator's own arrivals and handle times, fed to ciw: every customer
    must wait exactly as long, so the counts agree exactly and the wait
    statistics to rounding (the simulator keeps times to the microsecond)."""
    scenario = _scenario(0.9, arrivals=20_000)
    arrivals = generate_arrivals(scenario)
    result = simulate(scenario, arrivals=arrivals)
    offsets = [(a.at - scenario.start).total_seconds() for a in arrivals]
    gaps = [offsets[0], *(b - a for a, b in itertools.pairwise(offsets))]
    handles = [timedelta(seconds=a.handle_seconds).total_seconds() for a in arrivals]
    network = ciw.create_network(
        # After the last customer, the next one would come in 30 years.
        arrival_distributions=[ciw.dists.Sequential([*gaps, 1e9])],
        service_distributions=[ciw.dists.Sequential(handles)],
        number_of_servers=[AGENTS],
    )
    with _seeded(ciw, CIW_SEED):
        sim = ciw.Simulation(network)
        sim.simulate_until_max_time(offsets[-1] + DRAIN.total_seconds())
    records = sorted(sim.get_all_records(), key=lambda r: r.id_number)
    assert [r.arrival_date for r in records] == pytest.approx(offsets, abs=1e-6)
    waits = [r.waiting_time for r in records]

    ours = result.overall
    assert ours.answered == len(waits) == len(arrivals)
    assert ours.waited.count == sum(w > 0 for w in waits)
    assert ours.service_level.count == sum(w <= TARGET for w in waits)
    theirs = Durations.of(waits)
    assert ours.wait.mean == pytest.approx(theirs.mean, abs=1e-6)
    assert ours.wait.median == pytest.approx(theirs.median, abs=1e-6)
    assert ours.wait.p90 == pytest.approx(theirs.p90, abs=1e-6)


def test_a_run_is_reproducible_and_the_seed_decides_the_customers() -> None:
    scenario = _scenario(0.8, arrivals=2_000, seed=7)
    first = simulate(scenario)
    assert simulate(scenario).to_dict() == first.to_dict()
    assert simulate(scenario, arrivals=generate_arrivals(scenario)).to_dict() == first.to_dict()

    other = attrs.evolve(scenario, seed=8)
    assert [a.at for a in generate_arrivals(other)] != [a.at for a in generate_arrivals(scenario)]
    assert simulate(other).to_dict() != first.to_dict()
