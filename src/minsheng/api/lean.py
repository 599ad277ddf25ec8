"""A lean path through FastAPI for a hot endpoint's common request.

`LeanRoute` keeps a route exactly as declared (its OpenAPI entry, dependencies, validation and
error answers) and puts a shortcut in front of FastAPI's request handling: the subclass's
`lean(request)` answers the plain request itself, or returns None, and then the request goes the
usual way (with its body already read). The shortcut may only decline, never answer an error, so
every error answer stays FastAPI's own. Requests go the usual way while the app has dependency
overrides (tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

LeanHandler = Callable[[Request], Awaitable[Response | None]]


class LeanRoute(APIRoute):
    @staticmethod
    async def lean(request: Request) -> Response | None:
        return None

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        usual = super().get_route_handler()
        lean: LeanHandler = type(self).lean

        async def handler(request: Request) -> Response:
            if not getattr(request.app, "dependency_overrides", None):
                response = await lean(request)
                if response is not None:
                    return response
            return await usual(request)

        return handler
