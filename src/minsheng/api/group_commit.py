"""Group commit: requests that arrive while a write is in progress are written together.

A hot write endpoint (intake) awaits `GroupCommit.submit(item)`. The first request of an idle
batcher starts a drain task; every request that arrives while a batch is being written joins the
next one. A batch is one transaction, written on a worker thread by `many(session, items)`; each
request gets its answer only after that transaction has committed, so an answer is never given
for something that could still be lost. If the batch fails (one bad item, a conflict with another
process), its items are written again one by one with `one(session, item)`, so each request gets
its own result or its own error. Quiet traffic makes batches of one: no waiting is added.
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


class GroupCommit(Generic[Item, Result]):
    """One batcher per database and event loop (futures belong to their loop)."""

    def __init__(self, db: Database, many: Callable[[Session, list[Item]], list[Result]],
                 one: Callable[[Session, Item], Result], max_batch: int = 200) -> None:
        self.db, self.many, self.one, self.max_batch = db, many, one, max_batch
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._draining = False
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        future: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if not self._draining:
            self._draining = True
            self._task = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                batch, self._pending = self._pending[:self.max_batch], self._pending[self.max_batch:]
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
                 one: Callable[[Session, Item], Result], max_batch: int = 200) -> None:
        self.many, self.one, self.max_batch = many, one, max_batch
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, GroupCommit[Item, Result]]]
        self._by_loop = weakref.WeakKeyDictionary()

    def of(self, db: Database) -> GroupCommit[Item, Result]:
        per_db = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        batcher = per_db.get(id(db))
        if batcher is None or batcher.db is not db:
            batcher = per_db[id(db)] = GroupCommit(db, self.many, self.one, self.max_batch)
        return batcher
