"""While the demo serves, a new realistic request arrives every few seconds (through the service)."""

from __future__ import annotations

import logging
import random
import threading

from minsheng.cases import service
from minsheng.cases.schemas import CaseCreate
from minsheng.db import Database
from minsheng.demo.history import Cast
from minsheng.demo.texts import DraftWriter
from minsheng.directory.config import CityConfig

log = logging.getLogger(__name__)


class Feeder:
    def __init__(self, db: Database, cfg: CityConfig, interval: float, seed: int | None = None) -> None:
        self.db, self.interval = db, interval
        self.writer = DraftWriter(cfg, random.Random(seed))
        self.stop_event = threading.Event()
        self.created = 0
        self._thread = threading.Thread(target=self._run, name="demo-feeder", daemon=True)

    def start(self) -> Feeder:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stop_event.set()
        self._thread.join(timeout=10)

    def feed_one(self) -> int:
        d = self.writer.draft()
        body = CaseCreate(channel=d.channel, content=d.content, address=d.address, citizen_name=d.citizen_name,
                          citizen_phone=d.citizen_phone, town=d.town, village=d.village,
                          category=d.category if d.channel in ("12345", "walk_in", "110") else None)
        with self.db.session() as s:
            case_id = service.do_create_case(s, body, Cast(s).channel(d.channel)).id
        self.created += 1
        return case_id

    def _run(self) -> None:
        rng = random.Random()
        while not self.stop_event.wait(self.interval * rng.uniform(0.5, 1.5)):
            try:
                self.feed_one()
            except Exception:  # keep feeding: a failed case must not stop the demo
                log.exception("demo feeder could not create a case")
