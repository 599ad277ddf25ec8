"""Attachments: photos and documents stored as files in the media directory, checked by type/size."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from minsheng.cases.models import Attachment
from minsheng.cases.permissions import may_attach
from minsheng.cases.rows import lock_case
from minsheng.cases.service import ensure_visible, record_event
from minsheng.directory.actors import Actor
from minsheng.errors import DomainError, Forbidden, NotFound
from minsheng.inputs import CONTROL_CHARACTERS
from minsheng.settings import Settings

# Magic numbers of the accepted types: the declared type must match the bytes.
SIGNATURES = {
    "image/jpeg": [b"\xff\xd8\xff"],
    "image/png": [b"\x89PNG\r\n\x1a\n"],
    "image/webp": [b"RIFF"],  # and "WEBP" at offset 8 (RIFF also holds WAV and AVI)
    "application/pdf": [b"%PDF-"],
}
# The stored file's extension comes from the checked type, never from the name the client sent.
SUFFIXES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "application/pdf": ".pdf"}


class AttachmentRejected(DomainError):
    status_code = 415
    code = "attachment_rejected"


class AttachmentTooLarge(AttachmentRejected):
    status_code = 413


def check_file(content_type: str, data: bytes, settings: Settings) -> None:
    if len(data) == 0:
        raise AttachmentRejected("文件为空")
    if len(data) > settings.max_attachment_bytes:
        raise AttachmentTooLarge(f"文件超过 {settings.max_attachment_bytes // (1024 * 1024)} MB 上限")
    if content_type not in settings.allowed_attachment_types:
        raise AttachmentRejected("不支持的文件类型；仅限 JPEG、PNG、WebP 图片和 PDF")
    if not any(data.startswith(sig) for sig in SIGNATURES.get(content_type, [])) or (
            content_type == "image/webp" and data[8:12] != b"WEBP"):
        raise AttachmentRejected("文件内容与声明的类型不符")


def display_name(filename: str) -> str:
    """The name shown for a file: the client's, without its path or control characters."""
    return CONTROL_CHARACTERS.sub("", Path(filename.replace("\\", "/")).name)[:200] or "file"


def store(settings: Settings, folder: Path, content_type: str, data: bytes) -> str:
    """Write the file under the media directory with a new name; its path relative to it."""
    relative = folder / f"{uuid.uuid4().hex}{SUFFIXES.get(content_type, '')}"
    target = settings.media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    return str(relative)


def do_attach(session: Session, case_id: int, filename: str, content_type: str, data: bytes,
              actor: Actor, settings: Settings, *, now: datetime) -> Attachment:
    if not may_attach(actor.role):
        raise Forbidden("当前角色不能上传附件")
    check_file(content_type, data, settings)
    case = lock_case(session, case_id)
    ensure_visible(session, case, actor)
    digest = hashlib.sha256(data).hexdigest()
    relative = store(settings, Path(now.strftime("%Y/%m")), content_type, data)
    att = Attachment(case_id=case.id, filename=display_name(filename), content_type=content_type,
                     size=len(data), sha256=digest, storage_path=relative, uploaded_by=actor.user_id,
                     uploaded_at=now)
    session.add(att)
    session.flush()
    record_event(session, case, "attach", actor, now, from_status=case.status,
                 note=f"上传附件 {att.filename}", data={"attachment_id": att.id})
    return att


def attachment_path(session: Session, attachment_id: int, actor: Actor, settings: Settings) -> Attachment:
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise NotFound()
    ensure_visible(session, lock_case(session, att.case_id), actor)
    return att
