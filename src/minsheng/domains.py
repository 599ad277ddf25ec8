"""The domains that plug into the core: their API routers, transition listeners, background loops.

Each domain adds its own line here; nothing else in the core needs to know about it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

# Each domain keeps its own block (one line per module, replacing its `# <domain>` marker) so that
# branches merge without touching each other's lines.

# Modules exposing `router` (an APIRouter), mounted by the app factory in this order.
ROUTERS: list[str] = [
    "minsheng.directory.views",
    "minsheng.cases.views",

    # sla
    "minsheng.sla.views",

    # routing

    "minsheng.groups.views",
    "minsheng.web.group_views",

    "minsheng.integrations.views",
    "minsheng.integrations.open311.views",
    "minsheng.integrations.citizen.views",

    # proposals
    "minsheng.proposals.views",
    "minsheng.publishing.views",
    "minsheng.publishing.pages",
    "minsheng.proposals.console",
    "minsheng.publishing.console",

    "minsheng.stats.views",  # stats

    # console (last: its catch-all pages)
    "minsheng.web.session_views",
    "minsheng.web.stream_views",
    "minsheng.web.queue_views",
    "minsheng.web.case_views",
    "minsheng.web.intake_views",
    "minsheng.web.teams_views",
    "minsheng.web.board_views",
]
# Modules imported for their side effects: `@hooks.on_transition` listeners, present registries.
LISTENERS: list[str] = [
    # sla
    "minsheng.sla.clocks",
    "minsheng.sla.countdown",

    "minsheng.routing.listeners",  # routing

    "minsheng.groups.listeners",

    "minsheng.integrations.handback",
    "minsheng.integrations.notify.triggers",
    "minsheng.integrations.reviews",
    "minsheng.integrations.history",

    # proposals

    # console
]
# "module:function" started with the app: function(app_state) -> stop callable.
BACKGROUND: list[str] = [
    # sla
    "minsheng.sla.worker:start_in_process",

    # proposals
    "minsheng.proposals.clockwork:start_in_process",

    # channels
    "minsheng.integrations.background:run_outbox_dispatcher",

    "minsheng.routing.runtime:warm_up",  # routing
    "minsheng.routing.refiner:start_in_process",

    # console
    "minsheng.events.live:start_listener",
]

_loaded = False


def load_listeners() -> None:
    global _loaded
    if not _loaded:
        for name in LISTENERS:
            importlib.import_module(name)
        _loaded = True


def router_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in ROUTERS]
