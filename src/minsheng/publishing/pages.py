"""Public pages (no login): the proposals' tracking column and the typical cases. Printable.

/public/proposals             index by session, host unit and status
/public/proposals/{id}        one proposal in the column's structure
/public/typical-cases         the published typical cases
/public/typical-cases/{id}    one typical case
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute

from minsheng.api.deps import ReadSession, RowId
from minsheng.errors import DomainError
from minsheng.proposals import public as proposals_public
from minsheng.publishing import queries
from minsheng.publishing.render import render


class PublicRoute(APIRoute):
    """Domain errors become a Chinese error page instead of JSON."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def safe(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return render(request, "public/error.html", status_code=exc.status_code, message=exc.message)

        return safe


router = APIRouter(prefix="/public", tags=["public"], route_class=PublicRoute, include_in_schema=False)


@router.get("/proposals")
def proposal_index(request: Request, session: ReadSession, session_name: str | None = None, unit: str | None = None,
                   status: str | None = None, kind: str | None = None) -> Response:
    context = proposals_public.index(session, session_name=session_name or None, unit=unit or None,
                                     status=status or None, kind=kind or None)
    return render(request, "public/proposals.html", **context)


@router.get("/proposals/{proposal_id}")
def proposal_page(request: Request, proposal_id: RowId, session: ReadSession) -> Response:
    return render(request, "public/proposal.html", **proposals_public.page(session, proposal_id))


@router.get("/typical-cases")
def typical_case_index(request: Request, session: ReadSession, topic: str | None = None) -> Response:
    items = queries.published(session, topic or None)
    topics = sorted({tc.topic for tc in queries.published(session) if tc.topic})
    return render(request, "public/typical_cases.html", items=items, topics=topics, topic=topic or "")


@router.get("/typical-cases/{typical_case_id}")
def typical_case_page(request: Request, typical_case_id: RowId, session: ReadSession) -> Response:
    return render(request, "public/typical_case.html", item=queries.get_published(session, typical_case_id))
