"""One call from a request's words to its suggested route: category, place, handling unit.

`Router(cfg, model).suggest(text, address)` is pure (no database) and is what intake, the
evaluation command and the benchmarks all use. `fast=True` asks the model's text head alone (see
routing/classify.py): the first, immediate suggestion when the background router refines later.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from minsheng.directory.config import CityConfig
from minsheng.routing.assign import Assigner, Assignment, OverrideRule
from minsheng.routing.locate import Gazetteer, Location
from minsheng.routing.text import model_input

if TYPE_CHECKING:  # the model module imports scikit-learn: only a process that routes loads it
    from minsheng.routing.model import RouterModel


@dataclass(frozen=True)
class Suggestion:
    category: str
    confidence: float
    top: list[tuple[str, float]]
    location: Location
    assignment: Assignment
    model_version: str
    alternatives: list[dict[str, Any]] = field(default_factory=list)  # unit for each of the top
    stage: str = "full"  # "fast": the text head alone, to be refined by the whole model

    @property
    def town(self) -> str | None:
        return self.location.town

    @property
    def unit(self) -> str:
        return self.assignment.unit

    def auto_assign(self, threshold: float) -> bool:
        return self.confidence >= threshold

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for storing on the case."""
        return {
            "category": self.category or None,
            "confidence": round(self.confidence, 4),
            "top": [{"category": c, "confidence": round(p, 4), **alt}
                    for (c, p), alt in zip(self.top, self.alternatives, strict=True) if c],
            "town": self.location.town,
            "village": self.location.village,
            "location": self.location.as_dict(),
            "unit": self.assignment.unit,
            "unit_reason": self.assignment.reason,
            "model_version": self.model_version,
            "stage": self.stage,
        }


class Router:
    def __init__(self, cfg: CityConfig, model: RouterModel, rules: list[OverrideRule] | None = None,
                 gazetteer: Gazetteer | None = None) -> None:
        self.cfg = cfg
        self.model = model
        self.gazetteer = gazetteer or Gazetteer.from_config(cfg)
        self.assigner = Assigner(cfg, rules)
        # labels the model knows but the loaded city does not (another city's model) are never suggested
        self.known = {leaf.code for _, leaf in cfg.leaves()}

    @classmethod
    def load(cls, cfg: CityConfig, model_path: str | Path | None = None,
             rules: list[OverrideRule] | None = None) -> Router:
        from minsheng.routing.model import RouterModel, default_model_path

        return cls(cfg, RouterModel.load(model_path or default_model_path()), rules)

    def suggest(self, text: str, address: str = "", k: int = 3, fast: bool = False) -> Suggestion:
        return self.suggest_many([(text, address)], k, fast)[0]

    def suggest_many(self, requests: list[tuple[str, str]], k: int = 3, fast: bool = False) -> list[Suggestion]:
        predictions = self.model.classifier.predict([model_input(t, a) for t, a in requests], k, fast,
                                                    among=self.known)
        out = []
        for (text, address), pred in zip(requests, predictions, strict=True):
            location = self.gazetteer.locate(text, address)
            top = pred.top(k) or [("", 0.0)]  # none: the model and the city share no category
            category, confidence = top[0]
            assignments = [self.assigner.assign(c, location.town) for c, _ in top]
            out.append(Suggestion(
                category=category, confidence=confidence, top=top, location=location,
                assignment=assignments[0], alternatives=[{"unit": a.unit} for a in assignments],
                model_version=self.model.version, stage="fast" if fast else "full",
            ))
        return out
