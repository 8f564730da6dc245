"""Agent occupancy as a KPI, worked by hand on the example of docs/kpi.md."""

from __future__ import annotations

import pytest

from omnicontext.errors import InvalidInput
from omnicontext.kpi import ALL_AGENTS, agent_occupancy
from omnicontext.workload import PresenceSpan

from .worked import feed, t


def test_monday_s_occupancy_by_hand() -> None:
    # 09:00 to 17:00: 28,800 s on duty for each agent who worked.
    # ana holds chat A from her reply (09:00:15) to the solve (09:10): 585 s.
    # ben holds email B from 12:00 to the solve at 12:05: 300 s (Tuesday is outside).
    # cara's call: 14:00:30 to 14:08:30, plus 60 s of wrap-up: 540 s.
    # dan: 16:20 to the handoff at 16:25, then from it to his last message, 16:32: 720 s.
    result = agent_occupancy(reversed(feed), start=t("09:00:00"), end=t("17:00:00"))
    busy = {agent: rate.count for agent, rate in result.items()}
    assert busy == {"ana": 585, "ben": 300, "cara": 540, "dan": 720, ALL_AGENTS: 2145}
    assert {rate.n for agent, rate in result.items() if agent != ALL_AGENTS} == {28_800}
    assert result["ana"].value == pytest.approx(100 * 585 / 28_800)
    assert result[ALL_AGENTS].value == pytest.approx(100 * 2145 / (4 * 28_800))


def test_presence_narrows_the_time_on_duty() -> None:
    shift = [PresenceSpan("cara", "available", t("14:00:00"), t("15:00:00"))]
    result = agent_occupancy(feed, start=t("09:00:00"), end=t("17:00:00"), presence=shift)
    assert (result["cara"].count, result["cara"].n) == (540, 3600)
    assert result["cara"].value == 15.0


def test_a_window_with_nothing_in_it_and_a_bad_window() -> None:
    empty = agent_occupancy([], start=t("09:00:00"), end=t("10:00:00"))
    assert empty[ALL_AGENTS].value is None
    with pytest.raises(InvalidInput):
        agent_occupancy(feed, start=t("10:00:00"), end=t("09:00:00"))
