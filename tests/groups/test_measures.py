"""Group measures: formed, time to form, each member's time to sign and to answer, outcome, on-time rates."""

from __future__ import annotations

from minsheng.groups.measures import summary
from tests.groups.helpers import case_action, form, group_call, new_case, ok


def test_summary_of_durations() -> None:
    assert summary([]) == {"count": 0, "mean": None, "median": None, "p90": None, "max": None}
    assert summary([60, 120, 180]) == {"count": 3, "mean": 120.0, "median": 120.0, "p90": 180.0, "max": 180.0}
    assert summary([float(i) for i in range(1, 11)])["p90"] == 9.0


def test_measures_of_two_groups(client, login, fake_clock) -> None:
    # case A: formed 30 minutes after receipt; ZFJ signs in 20 min, ZJJ in 40 min, ZX-DH in 3 h (limit 2 h)
    a = new_case(client, login)
    fake_clock.advance(minutes=30)
    form(client, login, a)
    fake_clock.advance(minutes=20)
    group_call(client, login, "zfj", a, "sign")
    fake_clock.advance(minutes=20)
    group_call(client, login, "zjj", a, "sign")
    fake_clock.advance(minutes=20)
    group_call(client, login, "zfj", a, "part", text="已立案查处")  # 1 h after forming
    fake_clock.advance(hours=2)
    group_call(client, login, "dh_disp", a, "sign")  # 3 h after forming: late
    group_call(client, login, "dh_disp", a, "part", text="已清理")
    fake_clock.advance(hours=1)
    group_call(client, login, "zjj", a, "feedback", text="联合答复")  # 4 h after forming
    fake_clock.advance(hours=1)
    case_action(client, login, "supervisor", a, "approve")
    case_action(client, login, "calltaker", a, "callback", rating="satisfied")
    # case B: formed 10 minutes after receipt with the units the proposal offered; nobody acts
    b = new_case(client, login)
    fake_clock.advance(minutes=10)
    proposal = ok(client.get(f"/api/v1/cases/{b}/group/proposal", headers=login("citydisp")))
    form(client, login, b, lead=proposal["lead"]["unit"], members=tuple(m["unit"] for m in proposal["members"]))
    fake_clock.advance(hours=1)

    stats = ok(client.get("/api/v1/stats/groups", headers=login("leader")))
    assert stats["formed"] == 2
    assert stats["time_to_form"]["from_receipt"]["median"] == (1800 + 600) / 2
    assert stats["time_to_form"]["at_centre"]["max"] == 1800  # neither was raised: waiting since receipt
    assert stats["time_to_sign"]["co"] == {"count": 2, "mean": 6000.0, "median": 6000.0, "p90": 10800.0,
                                           "max": 10800.0}
    assert stats["time_to_sign"]["lead"]["count"] == 1 and stats["time_to_sign"]["lead"]["max"] == 2400
    assert stats["time_to_answer"]["co"]["count"] == 2 and stats["time_to_answer"]["co"]["median"] == (3600 + 10800) / 2
    assert stats["time_to_answer"]["lead"]["max"] == 4 * 3600
    outcome = stats["outcome"]
    assert outcome["status"] == {"closed": 1, "active": 1} and outcome["closed"] == 1
    assert outcome["ratings"] == {"satisfied": 1} and outcome["close_time"]["max"] == 5 * 3600
    assert outcome["lead_as_proposed"] == 2 and outcome["members_as_proposed"] == 1
    units = {u["unit"]: u for u in stats["units"]}
    # ZFJ: sign and part on time in A; its clocks in B are still running
    assert (units["ZFJ"]["due"], units["ZFJ"]["on_time"], units["ZFJ"]["on_time_rate"]) == (2, 2, 1.0)
    assert units["ZFJ"]["running"] == 2 and units["ZFJ"]["memberships"] == 2
    # ZX-DH signed late in A (its part was on time); in B its sign clock (2 h) is still running
    assert (units["ZX-DH"]["due"], units["ZX-DH"]["late"], units["ZX-DH"]["on_time_rate"]) == (2, 1, 0.5)
    assert units["ZJJ"]["as_lead"] == 2

    # the period filter and the scope of a department
    later = ok(client.get("/api/v1/stats/groups", params={"since": "2026-11-25T09:00:00Z"},
                          headers=login("leader")))
    assert later["formed"] == 0
    assert ok(client.get("/api/v1/stats/groups", headers=login("zd_disp")))["formed"] == 0
    assert ok(client.get("/api/v1/stats/groups", headers=login("zfj")))["formed"] == 2


def test_a_period_without_a_time_zone_is_shanghai_time(client, login) -> None:
    city = login("citydisp")
    for since in ("2026-01-01T00:00:00", "2026-01-01"):
        resp = client.get("/api/v1/stats/groups", params={"since": since, "until": "2026-12-31"}, headers=city)
        assert resp.status_code == 200, resp.text
    far = client.get("/api/v1/stats/groups", params={"since": "0001-01-01T00:00:00+14:00"}, headers=city)
    assert far.status_code == 422 and far.json()["field"] == "since", far.text
