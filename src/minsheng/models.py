"""Every domain's tables, imported once so that Base.metadata is complete (Alembic, tests)."""

from minsheng.cases import models as cases_models
from minsheng.directory import models as directory_models
from minsheng.events import models as events_models

# sla
from minsheng.sla import models as sla_models  # noqa: F401

# routing

# groups

# channels

# proposals

# console

__all__ = ["cases_models", "directory_models", "events_models"]
