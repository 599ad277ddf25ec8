"""Channel endpoints: intake from 12345 and 110, what a sender reads back, delivery history, reviews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from minsheng.api.deps import CurrentActor, ReadSession, RowId, StaffActor, WriteSession, database
from minsheng.cases import queries
from minsheng.clock import utcnow
from minsheng.db import Database
from minsheng.integrations import history, reviews, status
from minsheng.integrations.intake import IntakeIn, IntakeOut, receive

router = APIRouter(tags=["channels"])
IdempotencyHeader = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200,
                                                 description="同一请求重试时携带相同的值")]
SourceId = Annotated[str, Path(min_length=1, max_length=128)]


def _intake(system: str, body: IntakeIn, actor: Any, db: Database, key: str | None) -> JSONResponse:
    result = receive(db, system, body, actor, idempotency_key=key)
    headers = {} if result.created else {"Idempotent-Replayed": "true"}
    return JSONResponse(result.response, status_code=201, headers=headers)


@router.post("/api/v1/intake/12345", status_code=201, response_model=IntakeOut,
             summary="12345 热线转入诉求（幂等：source_id 或 Idempotency-Key）")
def intake_12345(body: IntakeIn, actor: CurrentActor, db: Annotated[Database, Depends(database)],
                 idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    return _intake("12345", body, actor, db, idempotency_key)


@router.post("/api/v1/intake/110", status_code=201, response_model=IntakeOut,
             summary="110 非警务警情转入（幂等：source_id 或 Idempotency-Key）")
def intake_110(body: IntakeIn, actor: CurrentActor, db: Annotated[Database, Depends(database)],
               idempotency_key: IdempotencyHeader = None) -> JSONResponse:
    return _intake("110", body, actor, db, idempotency_key)


@router.get("/api/v1/intake/12345/{source_id}", summary="12345 查询转入诉求的办理情况")
def status_12345(source_id: SourceId, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return status.sender_view(session, actor, "12345", source_id)


@router.get("/api/v1/intake/110/{source_id}", summary="110 查询转入警情的办理情况")
def status_110(source_id: SourceId, actor: CurrentActor, session: ReadSession) -> dict[str, Any]:
    return status.sender_view(session, actor, "110", source_id)


@router.get("/api/v1/cases/{case_id}/deliveries", summary="案件的回传与通知投递记录")
def case_deliveries(case_id: RowId, actor: StaffActor, session: ReadSession) -> list[dict[str, Any]]:
    case = queries.get_case(session, actor, case_id)
    return history.deliveries(session, case.id)


@router.get("/api/v1/reviews", summary="群众不满意、待市中心复核的案件")
def list_reviews(actor: StaffActor, session: ReadSession,
                 state: Annotated[str | None, Query(alias="status", pattern="^(open|reopened|upheld)$")] = "open",
                 ) -> list[dict[str, Any]]:
    return reviews.list_reviews(session, actor, state)


class UpholdIn(BaseModel):
    note: str = Field(min_length=1, max_length=2000, description="复核意见")


@router.post("/api/v1/reviews/{review_id}/uphold", summary="复核后维持办结（重新办理请用案件的 reopen 操作）")
def uphold_review(review_id: RowId, body: UpholdIn, actor: StaffActor, session: WriteSession) -> dict[str, Any]:
    review = reviews.do_uphold(session, review_id, body.note, actor, now=utcnow())
    return {"id": review.id, "status": review.status, "resolved_at": review.resolved_at}
