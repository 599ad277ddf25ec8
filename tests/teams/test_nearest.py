"""Nearest-available ranking (pure) and the duty board query."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from minsheng.directory.actors import Actor
from minsheng.directory.models import TeamShift
from minsheng.teams.board import duty_board
from minsheng.teams.nearest import Candidate, case_point, haversine_km, rank


def test_haversine_known_distance() -> None:
    # one degree of latitude is ~111.2 km anywhere
    assert haversine_km(121.0, 30.0, 121.0, 31.0) == pytest.approx(111.19, abs=0.05)
    assert haversine_km(121.0, 30.7, 121.0, 30.7) == 0.0


def _team(code: str, status: str, lng: float, town: str = "T1") -> Candidate:
    return Candidate(code, code, town, status, lng, 30.7)


def test_available_before_busy_then_nearer_first_and_off_duty_last() -> None:
    teams = [_team("far", "on_duty", 121.3), _team("near", "on_duty", 121.01), _team("busy", "en_route", 121.0),
             _team("off", "off_duty", 121.0)]
    ranked = rank(teams, (121.0, 30.7), "T1")
    assert [r.team.code for r in ranked] == ["near", "far", "busy", "off"]
    assert [r.available for r in ranked] == [True, True, False, False]
    assert ranked[-1].dispatchable is False


def test_without_coordinates_the_town_bases_stand_in() -> None:
    teams = [_team("a", "on_duty", 121.0, "T1"), _team("b", "on_duty", 121.2, "T1"), _team("c", "on_duty", 121.5, "T2")]
    assert case_point(None, None, "T1", teams) == pytest.approx((121.1, 30.7))
    assert case_point(121.4, 30.6, "T1", teams) == (121.4, 30.6)
    assert case_point(None, None, None, teams) is None
    ranked = rank(teams, None, "T2")
    assert ranked[0].team.code == "c" and ranked[0].distance_km is None


def test_duty_board_scope_and_shifts(db: Any, actors: dict[str, Actor], fake_clock: Any) -> None:
    now = fake_clock.now()
    with db.session() as s:
        s.add(TeamShift(team_code="T-DH-1", member_name="张三", starts_at=now - timedelta(hours=1),
                        ends_at=now + timedelta(hours=7)))
        s.add(TeamShift(team_code="T-DH-1", member_name="李四", starts_at=now + timedelta(hours=7),
                        ends_at=now + timedelta(hours=19)))
        s.add(TeamShift(team_code="T-DH-1", member_name="王五", starts_at=now - timedelta(hours=10),
                        ends_at=now - timedelta(hours=2)))
    with db.read_session() as s:
        cards = {c.team.code: c for c in duty_board(s, actors["dh_disp"], now)}
        assert set(cards) == {"T-DH-1", "T-DH-2"}
        assert [x.member_name for x in cards["T-DH-1"].on_shift] == ["张三"]
        assert [x.member_name for x in cards["T-DH-1"].upcoming] == ["李四"]
        assert len(duty_board(s, actors["citydisp"], now)) == 10
