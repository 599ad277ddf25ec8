"""Measures per session and unit: on-time rates, ratings, solved share; the xlsx export."""

from __future__ import annotations

import io

from openpyxl import load_workbook

from minsheng.proposals.measures import TOTAL, Item, aggregate
from tests.proposals.conftest import SESSION, contact_body, new_proposal

OTHER = "2025年市人大十七届五次会议"


def test_aggregate_counts_and_rates() -> None:
    items = [
        Item(SESSION, "ZJJ", (True,), (True,), "satisfied", "A"),
        Item(SESSION, "ZJJ", (False, True), (True, None), "unsatisfied", "B"),  # second handling running
        Item(SESSION, "ZJJ", (None,), (None,), None, None),
        Item(SESSION, "ZFJ", (True,), (False,), "basically_satisfied", "D"),
        Item(OTHER, "ZJJ", (True,), (True,), "satisfied", "C"),
    ]
    rows = {(m.session_name, m.unit_code): m for m in aggregate(items, {"ZJJ": "市住建局"})}
    zjj = rows[(SESSION, "ZJJ")]
    assert (zjj.proposals, zjj.contact_on_time, zjj.contact_late, zjj.contact_pending) == (3, 2, 1, 1)
    assert zjj.contact_rate == round(2 / 3, 4) and zjj.reply_rate == 1.0 and zjj.reply_pending == 2
    assert zjj.ratings == {"satisfied": 1, "basically_satisfied": 0, "unsatisfied": 1}
    assert zjj.satisfaction_rate == 0.5 and zjj.solved_share == 1.0 and zjj.unit_name == "市住建局"
    total = rows[(SESSION, TOTAL)]
    assert total.proposals == 4 and total.reply_rate == round(2 / 3, 4) and total.solved_share == round(2 / 3, 4)
    assert rows[(OTHER, TOTAL)].solved_share == 0.0
    assert [(m.session_name, m.unit_code) for m in aggregate(items)] == [
        (SESSION, "ZFJ"), (SESSION, "ZJJ"), (SESSION, TOTAL), (OTHER, "ZJJ"), (OTHER, TOTAL)]


def test_no_data_gives_no_rate_rather_than_zero() -> None:
    (row, _total) = aggregate([Item(SESSION, "ZJJ", (None,), (None,), None, None)])
    assert row.contact_rate is None and row.reply_rate is None and row.satisfaction_rate is None
    assert row.solved_share is None


def test_measures_through_the_api_and_as_xlsx(client, login, do, fake_clock) -> None:
    city = login("citydisp")
    late, on_time = (new_proposal(client, city, number=n)["id"] for n in ("21", "22"))
    for pid in (late, on_time):
        do("citydisp", pid, "assign", host_unit="ZJJ")
        do("zjj", pid, "sign")
    do("zjj", on_time, "contacts", **contact_body())
    fake_clock.advance(days=31)
    do("zjj", late, "contacts", **contact_body(occurred_on="2026-12-26"))
    for pid, cls in ((late, "C"), (on_time, "A")):
        do("zjj", pid, "reply", text="答复内容：已研究并作出安排，详见正文说明。", classification=cls)
        do("zjj_leader", pid, "approve-reply")
        do("zjj", pid, "deliver", method="online")
    do("citydisp", on_time, "rating", rating="satisfied")
    rows = client.get("/api/v1/proposals/measures", params={"session_name": SESSION}, headers=city).json()
    zjj = next(r for r in rows if r["unit"] == "ZJJ")
    assert (zjj["contact_on_time"], zjj["contact_late"], zjj["contact_rate"]) == (1, 1, 0.5)
    assert (zjj["reply_on_time"], zjj["reply_rate"]) == (2, 1.0)
    assert zjj["ratings"]["satisfied"] == 1 and zjj["rated"] == 1 and zjj["solved_share"] == 0.5
    # a unit sees its own numbers only
    assert client.get("/api/v1/proposals/measures", headers=login("zfj")).json() == []

    resp = client.get("/api/v1/proposals/measures.xlsx", headers=city)
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(resp.content)).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][:3] == ["会议", "主办单位", "件数"]
    assert values[1][:7] == [SESSION, "市住房和城乡建设局", 2, 1, 1, 0, 0.5]
    assert values[2][1] == TOTAL and sheet["G2"].number_format == "0.0%"
