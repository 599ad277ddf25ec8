"""FastAPI app factory: mounts each domain's router, the console and Open311."""

from __future__ import annotations

import gc
import importlib
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from minsheng import __version__, domains
from minsheng.api.errors import install_error_handlers
from minsheng.settings import get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    stops: list[Callable[[], None]] = []
    for spec in domains.BACKGROUND:
        module_name, func = spec.split(":")
        stop = getattr(importlib.import_module(module_name), func)(app.state)
        if stop is not None:
            stops.append(stop)
    # Everything loaded so far lives as long as the process: keep it out of the collector's way,
    # so that full collections (which otherwise walk every module and mapper) stay short.
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        for stop in reversed(stops):
            stop()


def create_app() -> FastAPI:
    domains.load_listeners()
    get_settings()
    app = FastAPI(
        title="minsheng 民声一键办",
        version=__version__,
        description="受理、派单、签收、处置、反馈、回访：一个平台办好群众的每一件诉求。",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    for module in domains.router_modules():
        app.include_router(module.router)

    @app.get("/healthz", tags=["ops"], summary="健康检查")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
