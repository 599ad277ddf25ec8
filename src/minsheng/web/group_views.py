"""The one-click group in the console: the forming dialog, the members' actions and the thread.

The group panel is part of the case page (partials/group_panel.html, fed by the case's
`extra["group"]`); each action here re-renders the case page like the workflow actions do. The
thread list is loaded on its own and reloaded live when a message arrives (SSE event
`group-<case id>`, see group_live), so that a half-typed message is never lost.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from minsheng.api.deps import ReadSession, WriteSession
from minsheng.cases import queries
from minsheng.cases.attachments import do_attach
from minsheng.clock import utcnow
from minsheng.directory.actors import Actor
from minsheng.errors import InvalidField
from minsheng.groups import service, thread
from minsheng.groups.schemas import GroupForm
from minsheng.settings import get_settings
from minsheng.web import labels
from minsheng.web.auth import ConsoleActor, Csrf
from minsheng.web.case_views import case_context
from minsheng.web.pages import ConsoleRoute, flash, render

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)

labels.ACTION_LABELS.update({
    "group_form": "一键组群", "group_sign": "成员签收", "group_part": "协办意见", "group_add": "追加成员",
    "group_leave_request": "申请退出组群", "group_leave_decision": "退出申请决定",
})


def _case_page(request: Request, actor: Actor, session: Any, case_id: int, message: str) -> Response:
    case = queries.get_case(session, actor, case_id)
    return render(request, "case.html", actor, flash_message=flash(message), **case_context(session, case, actor))


async def _form(request: Request) -> Any:
    return await request.form()


FormData = Annotated[Any, Depends(_form)]


@router.get("/cases/{case_id}/group/form")
def forming_dialog(case_id: int, request: Request, actor: ConsoleActor, session: ReadSession) -> Response:
    proposal = service.do_propose_group(session, case_id, actor)
    proposed = {m.unit for m in proposal.members} | ({proposal.lead.unit} if proposal.lead else set())
    others = [u for u in service.unit_infos(session) if u.kind in service.MEMBER_KINDS and u.code not in proposed]
    return render(request, "partials/group_form.html", actor, case_id=case_id, proposal=proposal.as_dict(),
                  others=others)


@router.post("/cases/{case_id}/group/form", dependencies=[Csrf])
def form_group(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
               form: FormData) -> Response:
    members = [m for m in form.getlist("members") if isinstance(m, str) and m.strip()]
    try:
        body = GroupForm(lead=str(form.get("lead") or ""), members=members, note=str(form.get("note") or "") or None)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0])
        raise InvalidField(field, "请选择牵头单位" if field == "lead" else "请检查组群成员") from None
    group = service.do_form_group(session, case_id, body, actor)
    return _case_page(request, actor, session, case_id, f"已组群：{len(group.members)} 个单位已收到通知")


@router.post("/cases/{case_id}/group/sign", dependencies=[Csrf])
def sign(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession) -> Response:
    service.do_member_sign(session, case_id, actor)
    return _case_page(request, actor, session, case_id, "本单位已签收")


@router.post("/cases/{case_id}/group/part", dependencies=[Csrf])
def part(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
         text: Annotated[str, Form(min_length=2, max_length=2000)]) -> Response:
    service.do_record_part(session, case_id, text.strip(), actor)
    return _case_page(request, actor, session, case_id, "办理意见已提交牵头单位")


@router.post("/cases/{case_id}/group/feedback", dependencies=[Csrf])
def joint_feedback(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
                   text: Annotated[str, Form(min_length=2, max_length=2000)]) -> Response:
    service.do_joint_feedback(session, case_id, text.strip(), actor)
    return _case_page(request, actor, session, case_id, "联合答复已提交，等待市中心审核")


@router.post("/cases/{case_id}/group/leave", dependencies=[Csrf])
def leave(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
          reason: Annotated[str, Form(min_length=2, max_length=1000)]) -> Response:
    service.do_request_leave(session, case_id, reason.strip(), actor)
    return _case_page(request, actor, session, case_id, "退出申请已提交市中心")


@router.post("/cases/{case_id}/group/members/{unit}/leave-decision", dependencies=[Csrf])
def decide_leave(case_id: int, unit: str, request: Request, actor: ConsoleActor, session: WriteSession,
                 approve: Annotated[str, Form()], note: Annotated[str, Form(max_length=1000)] = "") -> Response:
    agreed = approve == "yes"
    service.do_decide_leave(session, case_id, unit, agreed, note.strip() or None, actor)
    return _case_page(request, actor, session, case_id, "已同意退出" if agreed else "已驳回退出申请")


@router.get("/cases/{case_id}/group/add-form")
def add_form(case_id: int, request: Request, actor: ConsoleActor, session: ReadSession) -> Response:
    units = service.addable_units(session, case_id, actor)
    return render(request, "partials/group_add.html", actor, case_id=case_id, units=units)


@router.post("/cases/{case_id}/group/members", dependencies=[Csrf])
def add_member(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
               unit: Annotated[str, Form(min_length=1, max_length=32)],
               reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    service.do_add_member(session, case_id, unit, reason.strip() or None, actor)
    return _case_page(request, actor, session, case_id, "已追加成员单位，其签收时限从现在开始")


@router.get("/cases/{case_id}/group/thread")
def thread_list(case_id: int, request: Request, actor: ConsoleActor, session: ReadSession) -> Response:
    return render(request, "partials/group_thread.html", actor, t=thread.thread(session, case_id, actor))


@router.post("/cases/{case_id}/group/messages", dependencies=[Csrf])
def post_message(case_id: int, request: Request, actor: ConsoleActor, session: WriteSession,
                 form: FormData) -> Response:
    text = str(form.get("text") or "").strip()
    if not text:
        raise InvalidField("text", "请输入消息内容")
    attachments = []
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        settings = get_settings()
        data = upload.file.read(settings.max_attachment_bytes + 1)
        att = do_attach(session, case_id, upload.filename, upload.content_type or "", data, actor, settings,
                        now=utcnow())
        attachments.append(att.id)
    mentions = [m for m in form.getlist("mentions") if isinstance(m, str) and m]
    thread.do_post_message(session, case_id, text[:2000], mentions, attachments, actor)
    return render(request, "partials/group_thread.html", actor, t=thread.thread(session, case_id, actor))


@router.post("/cases/{case_id}/group/read", dependencies=[Csrf])
def mark_read(case_id: int, actor: ConsoleActor, session: WriteSession) -> Response:
    thread.do_mark_read(session, case_id, actor)
    return Response(status_code=204)
