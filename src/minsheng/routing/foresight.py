"""The routing model's suggestions for intake requests made ahead of their transaction.

While a web worker's writer commits one intake batch, the requests of the next wait; the group
commit's look-ahead (`hooks.ahead_of_intake`) runs the model on their texts meanwhile, on another
thread, and leaves the suggestions here. The batch's preparer (`service.prepare_cases`) takes them
and runs the model only on the texts it does not find. A suggestion depends on the text, the
address and the router (city and model) only, so one made a moment early is the same one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import Engine

from minsheng.cases import hooks
from minsheng.routing.router import Router, Suggestion
from minsheng.routing.runtime import built_router
from minsheng.settings import get_settings

MAX_KEPT = 4096  # suggestions not taken within this many are forgotten (their request failed early)
Key = tuple[int, bool, str, str]
# the router kept with its suggestion: a router replaced (a city's change) and collected could leave
# its id() to the next one, whose suggestions these are not
_kept: OrderedDict[Key, tuple[Router, Suggestion]] = OrderedDict()
_lock = threading.Lock()


def intake_form_is_fast() -> bool:
    """Intake runs the fast form when the whole model refines in the background."""
    return get_settings().routing_async


@hooks.ahead_of_intake
def foresee(engine: Engine, requests: list[tuple[str, str]]) -> None:
    """Suggest for requests about to be taken in, with the router this process already built for
    `engine` (none built yet: nothing to do, the preparer will build it)."""
    router = built_router(engine)
    if router is None or not requests or not get_settings().routing_on_intake:
        return
    fast = intake_form_is_fast()
    made = router.suggest_many(requests, fast=fast)
    with _lock:
        for (text, address), suggestion in zip(requests, made, strict=True):
            _kept[(id(router), fast, text, address)] = (router, suggestion)
        while len(_kept) > MAX_KEPT:
            _kept.popitem(last=False)


def take(router: Router, requests: list[tuple[str, str]], fast: bool) -> list[Suggestion | None]:
    """The suggestions foreseen for these requests by this router (None where none was)."""
    with _lock:
        found = [_kept.pop((id(router), fast, text, address), None) for text, address in requests]
    return [entry[1] if entry is not None and entry[0] is router else None for entry in found]


def forget() -> None:
    with _lock:
        _kept.clear()
