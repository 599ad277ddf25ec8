"""The demo's suggestions and proposals: every state, coherent timelines, public pages with content."""

from __future__ import annotations

import itertools
from collections import Counter

from sqlalchemy import select

from minsheng.clock import utcnow
from minsheng.proposals.demo import seed_demo
from minsheng.proposals.models import Proposal, ProposalEvent
from minsheng.publishing.models import TypicalCase


def test_the_demo_seed_covers_the_states_once(db, client) -> None:
    assert seed_demo(db, utcnow(), log=lambda _m: None) == 5
    assert seed_demo(db, utcnow(), log=lambda _m: None) == 0  # a second run adds nothing
    with db.read_session() as s:
        proposals = list(s.scalars(select(Proposal).order_by(Proposal.id)))
        events = list(s.scalars(select(ProposalEvent).order_by(ProposalEvent.id)))
        typical = list(s.scalars(select(TypicalCase)))
    assert Counter(p.status for p in proposals) == {"closed": 1, "delivered": 1, "signed": 2, "registered": 1}
    assert [p.round for p in proposals if p.status == "signed"] == [2, 1]
    reopened = next(p for p in proposals if p.round == 2)
    assert reopened.overdue and reopened.escalated  # its second contact is 30 days late
    assert [p.published for p in proposals] == [True, True, False, False, False]
    assert [t.status for t in typical] == ["published"]
    for p in proposals:
        timeline = [e for e in events if e.proposal_id == p.id]
        for before, after in itertools.pairwise(timeline):
            assert before.at <= after.at
            if after.from_status is not None:
                assert after.from_status == before.to_status
        assert timeline[-1].to_status == p.status
    index = client.get("/public/proposals").text
    assert index.count("data-proposal=") == 2
    assert "老旧小区加装电梯按下“快进键”" in client.get("/public/typical-cases").text
