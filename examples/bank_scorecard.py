"""A month of a real call centre's KPIs: abandonment, handle time, service level.

Reads every call of February 1999 to an Israeli bank's call centre (the
"anonymous bank" data set of Mandelbaum et al.) with
:func:`omnicontext.datasets.read_bank_calls`, computes the month's KPIs with
:func:`omnicontext.kpi.compute`, and prints the month's scorecard, week by week,
against a classic call-centre target (80% answered within 20 s), then what the
reader skipped.
The data is not shipped with omnicontext: the script looks for it in
``shared/data`` next to the checkout and says so when it is not there.

Run it: ``python examples/bank_scorecard.py``.
"""

from __future__ import annotations

from pathlib import Path

from omnicontext.datasets import BANK_TIME_ZONE, BankReadReport, read_bank_calls
from omnicontext.kpi import KpiRules, Rate, Targets, compute, scorecard

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CALLS = DATA / "anonymous_bank_calls_1999_02.tsv"


TARGETS = Targets.from_dict(
    {
        # The classic call-centre promise: 80% of calls answered within 20 s.
        "service_level": {"green": 80, "amber": 70},
        "abandonment_rate": {"green": 5, "amber": 10},
        "aht": {"green": 180, "amber": 240, "statistic": "mean"},
    }
)


def main() -> None:
    if not CALLS.exists():
        print(f"The bank's call data is not present (looked for {CALLS}); nothing to show.")
        return
    read = BankReadReport()
    calls = list(read_bank_calls(CALLS, report=read))
    month = compute(calls, by=("channel", "week"), time_zone=BANK_TIME_ZONE)
    card = scorecard(
        month,
        TARGETS,
        title="Anonymous bank call centre, February 1999",
        metrics=["service_level", "abandonment_rate", "aht"],
    )
    print(card.to_table(breakdowns=("week",)))
    within_60 = compute(calls, rules=KpiRules(service_level_seconds=60)).overall["service_level"]
    assert isinstance(within_60, Rate)
    assert within_60.value is not None
    print(f"\nWithin 60 s instead of 20 s, the service level is {within_60.value:.1f}%.")
    print()
    print("What the reader did with the file's rows:")
    for line in read.summary().splitlines():
        print(f"  {line}")


if __name__ == "__main__":
    main()
