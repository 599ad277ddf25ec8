"""The process's Router: the model loaded once, the city rebuilt from the database when it changes.

`current_router(session)` is what intake and the console call. The model file
(`Settings.routing_model_path`, else the packaged Pinghu model) is read once per process; the
gazetteer and unit rules are rebuilt when `minsheng load-config` changes the city (compared by
`routing_checksum`, read at most once a second). Both are guarded by a lock, so concurrent first
requests build once. `warm_up` (a BACKGROUND entry) does the slow first load at start-up.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from minsheng.routing.cityconfig import city_config_from_db, routing_checksum, rules_from_db
from minsheng.routing.router import Router
from minsheng.settings import get_settings

if TYPE_CHECKING:  # scikit-learn is imported when the model is first loaded, not with this module
    from minsheng.routing.model import RouterModel

log = logging.getLogger(__name__)
CHECK_EVERY = 1.0  # seconds between two reads of the city's checksum


@dataclass
class _Built:
    checksum: str  # the city's routing checksum it was built for
    router: Router | None
    checked_at: float


_lock = threading.RLock()
_model: RouterModel | None = None
_model_error: str | None = None
# by connection pool, held weakly: a pool's id() can be a later pool's once it is gone (tests make
# many databases), and its router must not be taken for that database's
_built: weakref.WeakKeyDictionary[Any, _Built] = weakref.WeakKeyDictionary()


def load_model() -> RouterModel | None:
    """The process's model (None, logged once, when the file cannot be read)."""
    global _model, _model_error
    if _model is None and _model_error is None:
        with _lock:
            if _model is None and _model_error is None:
                from minsheng.routing.model import ModelFormatError, RouterModel, default_model_path

                path = get_settings().routing_model_path or default_model_path()
                try:
                    model = RouterModel.load(path)
                    # segmenter, caches and (where this process runs the whole model) the encoder
                    model.classifier.predict(["预热"], fast=not whole_model_here())
                    _model = model
                except (ModelFormatError, OSError) as exc:
                    _model_error = str(exc)
                    log.error("routing model unavailable: %s", exc)
    return _model


def whole_model_here() -> bool:
    """Whether this process runs the whole model on its own (so loads the encoder at start-up):
    not an app process whose background router runs in a process of its own."""
    settings = get_settings()
    return not (settings.routing_async and not settings.routing_in_process)


def _database(engine: Any) -> Any:
    """One key for an engine and its variants with other execution options (read-only sessions
    use one): the connection pool they share."""
    return getattr(engine, "engine", engine).pool


def built_router(engine: Any) -> Router | None:
    """The Router last built for this engine, however long ago it was checked (None: not yet)."""
    built = _built.get(_database(engine))
    return built.router if built is not None else None


def current_router(session: Session) -> Router | None:
    """The Router for the city loaded in this session's database (None: no city or no model)."""
    engine = _database(session.get_bind())
    now = time.monotonic()
    built = _built.get(engine)
    if built is not None and now - built.checked_at < CHECK_EVERY:
        return built.router
    checksum = routing_checksum(session) or "-"
    if built is not None and built.checksum == checksum:
        built.checked_at = now
        return built.router
    with _lock:
        built = _built.get(engine)
        if built is None or built.checksum != checksum:
            built = _Built(checksum, _build(session), now)
            _built[engine] = built
        built.checked_at = now
        return built.router


def _build(session: Session) -> Router | None:
    model = load_model()
    cfg = city_config_from_db(session)
    if model is None or cfg is None:
        return None
    return Router(cfg, model, rules_from_db(session))


def forget_routers() -> None:
    """Forget the built routers, keeping the model: the next look-up reads the city again (a
    database emptied and reloaded within CHECK_EVERY, as the tests do, would otherwise be routed
    with the previous content's rules for up to a second)."""
    with _lock:
        _built.clear()


def reset() -> None:
    """Forget the model and every built router (tests; a new model file)."""
    global _model, _model_error
    with _lock:
        _model, _model_error = None, None
        _built.clear()


def warm_up(state: Any) -> Callable[[], None] | None:
    """Load the model and build the router before the app takes requests (a BACKGROUND entry run
    in the lifespan's start-up), so that no intake waits seconds for the first load. A city that
    does not route at intake (MINSHENG_ROUTING_ON_INTAKE=false) loads it when first asked (a
    console's live suggestion): a server that only takes in cases never holds it."""
    from minsheng.db import get_db
    from minsheng.settings import get_settings

    if not get_settings().routing_on_intake or load_model() is None:
        return None
    try:
        with get_db().read_session() as session:
            current_router(session)
    except Exception:  # no database yet (not migrated): the first intake builds it
        log.warning("routing: city not read at start-up", exc_info=True)
    return None
