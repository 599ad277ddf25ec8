"""On-time rates from the service agree with a brute-force recomputation from the timelines."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from minsheng.cases.models import Case, CaseEvent
from minsheng.errors import DomainError
from minsheng.sla.clocks import replay
from minsheng.sla.extensions import decide_extension, request_extension
from minsheng.sla.policy import ClockState, compute_clocks
from minsheng.sla.rates import period_key, sla_rates
from minsheng.sla.setup import sla_setup

SH = ZoneInfo("Asia/Shanghai")
FAST_UNITS = ["ZX-DH", "ZX-ZD", "330482001001"]
TEAMS = {"ZX-DH": "T-DH-1", "ZX-ZD": "T-ZD-1", "330482001001": "T-DH-1"}


def simulate(db, actors, cases, fake_clock, fire, rng: random.Random, n: int) -> None:
    """n cases with varied, sometimes late, sometimes paused, extended or reopened handling."""
    for i in range(n):
        fast = rng.random() < 0.6
        cid = cases.create(category=rng.choice(["JC01", "JC02"] if fast else ["CG01", "CG02"]))
        unit = rng.choice(FAST_UNITS if fast else ["ZFJ", "ZJJ"])
        scale = 1 if fast else 120  # normal track: minutes become hours of working time
        cases.act(cid, "assign", unit=unit)
        if rng.random() < 0.15:
            fake_clock.advance(rng.uniform(5, 90) * scale)
            cases.act(cid, "return", reason="不属于本单位职责")
            cases.act(cid, "assign", unit=unit)
        fake_clock.advance(rng.uniform(5, 90) * scale)
        fire()
        cases.act(cid, "sign")
        if rng.random() < 0.3:
            fake_clock.advance(rng.uniform(10, 100) * scale)
            cases.act(cid, "suspend", reason="等待第三方")
            fake_clock.advance(rng.uniform(60, 3000) * scale)
            cases.act(cid, "resume")
        if fast and rng.random() < 0.7:
            fake_clock.advance(rng.uniform(10, 400))
            fire()
            cases.act(cid, "dispatch_team", team=TEAMS[unit])  # a team the handling unit commands
            cases.act(cid, "arrive", user="admin")
        if rng.random() < 0.2:
            with db.session() as s:
                try:
                    req = request_extension(s, cid, actors["admin"], stage="feedback", reason="需协调",
                                            until=fake_clock.now() + timedelta(days=4), now=fake_clock.now())
                    decide_extension(s, req.id, actors["supervisor"], approve=True, now=fake_clock.now())
                except DomainError:
                    pass
        if i % 7 == 6:
            fake_clock.advance(rng.uniform(600, 7200))
            fire()
            continue  # left open: running, maybe overdue
        fake_clock.advance(rng.uniform(0.2, 1.3) * (86400 if fast else 3 * 86400))
        fire()
        cases.act(cid, "feedback", user="admin", text="已处理")
        cases.act(cid, "approve")
        if rng.random() < 0.15:
            fake_clock.advance(3600)
            cases.act(cid, "reopen", reason="群众不满意")
            fake_clock.advance(rng.uniform(10, 200))
            cases.act(cid, "sign", user="admin")
        fake_clock.advance(rng.uniform(0, 2) * 86400)
    for unit in FAST_UNITS:  # assigned, then the worker does not come by: overdue, not yet fired
        cases.assigned(unit)
    fake_clock.advance(90)


def brute_force(db, now, by: str, period: str) -> Counter:
    """Per (period, stage, group): on-time and missed counts, straight from each case's timeline."""
    out: Counter = Counter()
    with db.read_session() as s:
        setup = sla_setup(s)
        assert setup is not None
        for case in s.scalars(select(Case)):
            rows = s.execute(select(CaseEvent.at, CaseEvent.action, CaseEvent.data)
                             .where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)).all()
            track = setup.track(case.track)
            assert track is not None
            for clock in compute_clocks(track, setup.calendar_for(track), replay(rows), now):
                if clock.state is ClockState.MET:
                    outcome = "on_time"
                elif clock.state in (ClockState.MISSED, ClockState.OVERDUE):
                    outcome = "missed"
                else:
                    continue
                group = {"unit": clock.unit, "town": case.town_code}.get(by)
                day = clock.started_at.astimezone(SH).date()
                out[(period_key(day, period), clock.stage.value, group, outcome)] += 1
    return out


@pytest.mark.parametrize("seed", [7])
def test_rates_match_a_recomputation_from_the_timelines(db, actors, cases, fake_clock, fire, seed) -> None:
    simulate(db, actors, cases, fake_clock, fire, random.Random(seed), n=36)
    now = fake_clock.now()
    seen_missed = False
    for by, period in [("unit", "day"), ("town", "week"), ("none", "month")]:
        with db.read_session() as s:
            rows, totals = sla_rates(s, None, now=now, period=period, by=by)  # type: ignore[arg-type]
        got: Counter = Counter()
        for r in rows:
            group = r.unit if by == "unit" else r.town
            got[(r.period, r.stage, group, "on_time")] += r.on_time
            got[(r.period, r.stage, group, "missed")] += r.missed
            assert r.total == r.on_time + r.missed
        got = +got  # drop zero counts
        assert got == brute_force(db, now, by, period)
        seen_missed |= any(r.missed for r in rows)
        assert sum(t.total for t in totals) == sum(r.total for r in rows)
    assert seen_missed  # the simulation produced misses as well as on-time stages


def test_rates_by_scope_and_filters_through_the_api(client, login, cases, fake_clock, fire) -> None:
    ok = cases.assigned("ZX-DH")
    fake_clock.advance(30)
    cases.act(ok, "sign")
    late = cases.assigned("ZX-ZD")
    fake_clock.advance(90)
    fire()
    cases.act(late, "sign")
    city = login("citydisp")
    body = client.get("/api/v1/stats/sla", params={"by": "unit", "stage": "sign"}, headers=city).json()
    assert {(r["unit"], r["on_time"], r["missed"], r["rate"]) for r in body["rows"]} == {
        ("ZX-DH", 1, 0, 1.0), ("ZX-ZD", 0, 1, 0.0)}
    assert body["period"] == "day" and body["rows"][0]["period"] == "2026-11-25"
    # a town sub-centre sees its own town only
    town = client.get("/api/v1/stats/sla", params={"by": "unit", "stage": "sign"}, headers=login("dh_disp")).json()
    assert [r["unit"] for r in town["rows"]] == ["ZX-DH"]
    month = client.get("/api/v1/stats/sla", params={"period": "month"}, headers=city).json()
    assert {r["period"] for r in month["rows"]} == {"2026-11"}
    assert client.get("/api/v1/stats/sla", params={"period": "year"}, headers=city).status_code == 422
    # from the second half of November 2026 on, the missing 2027 holiday list is flagged
    assert any("2027" in w for w in body["warnings"])
