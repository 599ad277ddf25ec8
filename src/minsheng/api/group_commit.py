"""Group commit: requests that arrive while a write is in progress are written together.

A hot write endpoint (intake) awaits `GroupCommit.submit(item)`. The first request of an idle
batcher starts a drain task; every request that arrives while a batch is being written joins the
next one. A batch is one transaction, written on a worker thread by `many(session, items)`; each
request gets its answer only after that transaction has committed, so an answer is never given
for something that could still be lost. If the batch fails (one bad item, a conflict with another
process), its items are written again one by one with `one(session, item)`, so each request gets
its own result or its own error. Quiet traffic makes batches of one: no waiting is added.

An optional look-ahead (`ahead(db, items)`) sees the requests waiting for the next batch while the
current one is written, on a thread of its own and outside any transaction: CPU work that needs no
database (the routing model on their texts) then runs while the writer waits for the database,
instead of after it. Before writing, the writer waits for a look-ahead already running on its
items; one it misses costs nothing but `many` doing the work itself.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from minsheng.db import Database

Item = TypeVar("Item")
Result = TypeVar("Result")
log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="minsheng-group-commit")
_ahead_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="minsheng-look-ahead")


class GroupCommit(Generic[Item, Result]):
    """One batcher per database and event loop (futures belong to their loop)."""

    def __init__(self, db: Database, many: Callable[[Session, list[Item]], list[Result]],
                 one: Callable[[Session, Item], Result], max_batch: int = 200,
                 ahead: Callable[[Database, list[Item]], None] | None = None) -> None:
        self.db, self.many, self.one, self.max_batch, self.ahead = db, many, one, max_batch, ahead
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None
        self._unseen: list[Item] = []  # not yet looked ahead at
        self._looking: asyncio.Task[None] | None = None  # looking ahead, round after round
        self._round: asyncio.Future[None] | None = None  # the round running now

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if not self._draining:
            self._draining = True
            self._task = asyncio.create_task(self._drain())
        elif self.ahead is not None:  # a batch is being written: this one waits, look at it meanwhile
            self._unseen.append(item)
            if self._looking is None:
                self._looking = asyncio.create_task(self._look_ahead())
        return await future

    async def _look_ahead(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._unseen:
                items, self._unseen = self._unseen, []
                self._round = loop.run_in_executor(_ahead_executor, self._ahead, items)
                try:
                    await self._round
                except Exception:  # only ever a saving: the batch does the work itself
                    log.warning("look-ahead failed", exc_info=True)
                finally:
                    self._round = None
        finally:
            self._looking = None

    def _ahead(self, items: list[Item]) -> None:
        assert self.ahead is not None
        self.ahead(self.db, items)

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                if self._round is not None:  # at work on this batch's items (not on later arrivals)
                    await asyncio.wait({self._round})
                batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
                if self._unseen:  # written now: no more looking ahead at them
                    taken = {id(item) for item, _ in batch}
                    self._unseen = [item for item in self._unseen if id(item) not in taken]
                try:
                    results = await loop.run_in_executor(_executor, self._write, [item for item, _ in batch])
                except BaseException as exc:  # the write itself could not run: every request learns it
                    results = [exc] * len(batch)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # the request was cancelled (client gone)
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._draining = False

    def _write(self, items: list[Item]) -> list[Result | BaseException]:
        if len(items) > 1:
            try:
                with self.db.session() as session:
                    return list(self.many(session, items))
            except Exception:
                log.info("batch of %d failed; writing its items one by one", len(items), exc_info=True)
        results: list[Result | BaseException] = []
        for item in items:
            try:
                with self.db.session() as session:
                    results.append(self.one(session, item))
            except Exception as exc:
                results.append(exc)
        return results


class GroupCommits(Generic[Item, Result]):
    """The batchers of one endpoint, per (event loop, database)."""

    def __init__(self, many: Callable[[Session, list[Item]], list[Result]],
                 one: Callable[[Session, Item], Result], max_batch: int = 200,
                 ahead: Callable[[Database, list[Item]], None] | None = None) -> None:
        self.many, self.one, self.max_batch, self.ahead = many, one, max_batch, ahead
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, GroupCommit[Item, Result]]]
        self._by_loop = weakref.WeakKeyDictionary()

    def of(self, db: Database) -> GroupCommit[Item, Result]:
        per_db = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        batcher = per_db.get(id(db))
        if batcher is None or batcher.db is not db:
            batcher = per_db[id(db)] = GroupCommit(db, self.many, self.one, self.max_batch, self.ahead)
        return batcher
