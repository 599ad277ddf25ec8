"""Every domain's tables, imported once so that Base.metadata is complete (Alembic, tests).

One line per domain's models module, each in its own block, so branches merge cleanly.
"""

import importlib

MODULES = [
    "minsheng.cases.models",
    "minsheng.directory.models",
    "minsheng.events.models",

    "minsheng.sla.models",  # sla

    "minsheng.routing.tables",  # routing

    "minsheng.groups.models",  # groups

    "minsheng.integrations.models",  # channels

    "minsheng.proposals.models",  # proposals
    "minsheng.publishing.models",

    # console
]

for _name in MODULES:
    importlib.import_module(_name)
