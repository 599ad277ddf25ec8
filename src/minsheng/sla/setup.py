"""The loaded city's SLA configuration (tracks and calendars), read from the database once per change."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from minsheng.directory.config import SlaFile, TrackConfig
from minsheng.directory.models import CityConfigRecord
from minsheng.sla.calendar import Calendar, build_calendars

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _missing_year(year: int) -> None:
    log.warning("SLA calendar: no holiday list for %s; counting Monday to Friday", year)


@dataclass(frozen=True)
class SlaSetup:
    sla: SlaFile
    calendars: dict[str, Calendar]
    checksum: str

    def track(self, code: str) -> TrackConfig | None:
        return self.sla.tracks.get(code)

    def calendar_for(self, track: TrackConfig) -> Calendar:
        return self.calendars[track.calendar]

    def timezone(self) -> ZoneInfo:
        """The city's timezone: that of its first working-hours calendar, else Asia/Shanghai."""
        for cfg in self.sla.calendars.values():
            if cfg.kind == "working_hours":
                return ZoneInfo(cfg.timezone)
        return SHANGHAI


_cache: SlaSetup | None = None
_lock = threading.Lock()


def sla_setup(session: Session) -> SlaSetup | None:
    """None until a city configuration has been loaded."""
    global _cache
    checksum = session.scalar(select(CityConfigRecord.checksum).where(CityConfigRecord.name == "sla"))
    if checksum is None:
        return None
    cached = _cache
    if cached is not None and cached.checksum == checksum:
        return cached
    record = session.get(CityConfigRecord, "sla")
    assert record is not None
    sla = SlaFile.model_validate(record.document)
    setup = SlaSetup(sla, build_calendars(sla, _missing_year), record.checksum)
    with _lock:
        _cache = setup
    return setup
