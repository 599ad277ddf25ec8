"""`minsheng bench groups`: the one-click group's proposal and flow, measured.

1. Proposal: over the labelled Pinghu examples (cases-train-a/b.jsonl), the proposal is run
   WITHOUT the category (duties and place only, the hard case where no category decides), and we
   count how often the labelled handling unit is the proposed lead, or anywhere in the group;
   and how long one proposal takes.
2. Flow on a scratch PostgreSQL database: N groups formed and worked through (form, three signs,
   two parts, joint feedback, approve) and a thread of messages per group, through the service
   functions in one process; the latency of each step.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from minsheng.bench.loadgen import percentile
from minsheng.bench.results import machine_facts, write_result
from minsheng.bench.scratch import scratch_database, server_version

PINGHU_EXAMPLES = ("cases-train-a.jsonl", "cases-train-b.jsonl")


def _ms(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "p50": round(percentile(values, 50) * 1000, 2),
            "p99": round(percentile(values, 99) * 1000, 2), "mean": round(statistics.fmean(values) * 1000, 2)}


def proposal_run() -> dict[str, Any]:
    from minsheng.demo.pinghu import __path__ as pinghu_path  # type: ignore[attr-defined]
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.groups.proposal import CaseFacts, UnitInfo, propose

    cfg = load_city_config(demo_config_dir())
    units = [UnitInfo(d.code, d.name, d.kind, d.duties, d.town) for d in cfg.departments.departments]
    for town in cfg.divisions.towns:
        units += [UnitInfo(v.code, v.name, "village", f"{v.short}网格事项", town.code, v.code) for v in town.villages]
    examples = [json.loads(line) for name in PINGHU_EXAMPLES
                for line in (Path(pinghu_path[0]) / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    examples = [e for e in examples if e.get("department") and e["department"] != "SZZX"]
    lead_hits = group_hits = no_lead = 0
    timings: list[float] = []
    for e in examples:
        facts = CaseFacts(e["text"], e.get("address") or "", town_code=e.get("town"))
        start = time.perf_counter()
        proposal = propose(facts, units)
        timings.append(time.perf_counter() - start)
        proposed = [m.unit for m in proposal.members] + ([proposal.lead.unit] if proposal.lead else [])
        lead_hits += bool(proposal.lead and proposal.lead.unit == e["department"])
        group_hits += e["department"] in proposed
        no_lead += proposal.lead is None
    n = len(examples)
    return {"examples": n, "lead_is_labelled_unit": round(lead_hits / n, 4),
            "labelled_unit_in_group": round(group_hits / n, 4), "no_lead_proposed": round(no_lead / n, 4),
            "latency_ms": _ms(timings)}


def flow_run(url: str, groups: int, messages: int) -> dict[str, Any]:
    from minsheng import domains
    from minsheng.cases.schemas import ActionBody, CaseCreate
    from minsheng.cases.service import do_action, do_create_case
    from minsheng.clock import utcnow
    from minsheng.db import Database
    from minsheng.directory.config import demo_config_dir, load_city_config
    from minsheng.directory.loader import load_city
    from minsheng.directory.models import User
    from minsheng.directory.security import actor_for
    from minsheng.groups import service, thread
    from minsheng.groups.schemas import GroupForm
    from minsheng.migrate import upgrade

    upgrade(url)
    domains.load_listeners()
    db = Database(url)
    people = {"calltaker": ("call_taker", "SZZX"), "citydisp": ("city_dispatcher", "SZZX"),
              "supervisor": ("supervisor", "SZZX"), "zjj": ("handler", "ZJJ"), "zfj": ("handler", "ZFJ"),
              "dh": ("town_dispatcher", "ZX-DH")}
    with db.session() as s:
        load_city(s, load_city_config(demo_config_dir()), now=utcnow())
        for name, (role, unit) in people.items():
            s.add(User(username=name, display_name=name, password_hash="-", role=role, unit_code=unit,
                       created_at=utcnow()))
    with db.read_session() as s:
        from sqlalchemy import select

        actors = {u.username: actor_for(s, u) for u in s.scalars(select(User))}
    steps: dict[str, list[float]] = {}

    def timed(step: str, call: Callable[..., Any], *args: Any) -> Any:
        start = time.perf_counter()
        with db.session() as s:
            result = call(s, *args)
        steps.setdefault(step, []).append(time.perf_counter() - start)
        return result

    body = CaseCreate(channel="12345", content="小区楼下饭店油烟直排、店外占道经营，物业多次协调无果",
                      address="当湖街道水洞埭社区", category="ZF01", town="330482001", village="330482001001")
    form = GroupForm(lead="ZJJ", members=["ZFJ", "ZX-DH"])
    started = time.perf_counter()
    for _ in range(groups):
        cid = timed("create", do_create_case, body, actors["calltaker"]).id
        timed("propose", service.do_propose_group, cid, actors["citydisp"])
        timed("form", service.do_form_group, cid, form, actors["citydisp"])
        for who in ("zfj", "zjj", "dh"):
            timed("member_sign", service.do_member_sign, cid, actors[who])
        for i in range(messages):
            who = ("zfj", "zjj", "dh", "citydisp")[i % 4]
            timed("post_message", thread.do_post_message, cid, f"第{i}条：现场情况通报 @市住房和城乡建设局", [], [],
                  actors[who])
        timed("read_thread", thread.thread, cid, actors["zjj"])
        timed("mark_read", thread.do_mark_read, cid, actors["zjj"])
        for who in ("zfj", "dh"):
            timed("record_part", service.do_record_part, cid, "已按职责处理完毕", actors[who])
        timed("joint_feedback", service.do_joint_feedback, cid, "联合处置完毕", actors["zjj"])
        timed("approve", do_action, cid, "approve", ActionBody(), actors["supervisor"])
    total = time.perf_counter() - started
    db.dispose()
    return {"groups": groups, "messages_per_group": messages, "wall_seconds": round(total, 2),
            "groups_per_minute": round(groups / total * 60, 1), "steps_ms": {k: _ms(v) for k, v in steps.items()}}


def register(bench_app: typer.Typer) -> None:
    @bench_app.command("groups")
    def groups(
        count: Annotated[int, typer.Option(help="走完全流程的组群数")] = 40,
        messages: Annotated[int, typer.Option(help="每个组群的群消息数")] = 20,
        out: Annotated[Path | None, typer.Option(help="结果目录，默认 benchmarks/results")] = None,
    ) -> None:
        """一键组群：建议的命中率与耗时；组群全流程各步骤的延迟（临时 PostgreSQL 库）。"""
        result: dict[str, Any] = {"benchmark": "groups", "machine": machine_facts(),
                                  "load_average_before": [round(x, 2) for x in os.getloadavg()],
                                  "proposal": proposal_run()}
        with scratch_database("minsheng_bench_groups") as url:
            result["postgresql"] = server_version(url)
            result["flow"] = flow_run(url, count, messages)
        result["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        path = write_result("groups", result, out)
        typer.echo(json.dumps({"proposal": result["proposal"], "flow": result["flow"]}, ensure_ascii=False,
                              indent=2))
        typer.echo(f"结果已写入 {path}")
