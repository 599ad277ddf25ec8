"""The routing model file: a versioned, self-describing artefact loaded at start-up.

A file holds {format, format_version, metadata, classifier} written with joblib (compressed
pickle). Only load files you trust (a pickle can run code): they are produced by
`minsheng router train`. A file of another format or version is refused with a clear message.
"""

from __future__ import annotations

import hashlib
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import joblib
import sklearn

from minsheng.directory.config import CityConfig
from minsheng.routing.classify import CategoryModel
from minsheng.routing.datasets import Example, lexicon, taxonomy_priors
from minsheng.routing.locate import Gazetteer
from minsheng.routing.text import model_input

FORMAT = "minsheng-router-model"
FORMAT_VERSION = 1


class ModelFormatError(ValueError):
    pass


@dataclass
class RouterModel:
    classifier: CategoryModel
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def version(self) -> str:
        return str(self.metadata.get("version", "unversioned"))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "format_version": FORMAT_VERSION, "metadata": self.metadata,
                   "classifier": self.classifier}
        joblib.dump(payload, path, compress=("gzip", 6))
        return path

    @classmethod
    def load(cls, path: str | Path) -> RouterModel:
        try:
            payload = joblib.load(path)
        except Exception as exc:
            raise ModelFormatError(f"{path}: 无法读取路由模型（{exc}）") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ModelFormatError(f"{path}: 不是 minsheng 路由模型文件")
        if payload.get("format_version") != FORMAT_VERSION:
            raise ModelFormatError(
                f"{path}: 模型格式版本 {payload.get('format_version')}，"
                f"本程序需要 {FORMAT_VERSION}；请重新训练")
        return cls(payload["classifier"], payload["metadata"])


def train(examples: list[Example], cfg: CityConfig | None = None, *, seed: int = 0,
          use_embeddings: bool = True, sources: list[str] | None = None) -> RouterModel:
    """Train a router model. With a city configuration whose categories cover the labels, the
    taxonomy's names and descriptions join the training data and its places are masked."""
    labels = sorted({e.label for e in examples})
    priors: list[tuple[str, str]] = []
    words: list[str] = []
    masker = None
    taxonomy = "custom"
    if cfg is not None:
        gazetteer = Gazetteer.from_config(cfg, national=False)
        masker = gazetteer.mask
        leaf_codes = {leaf.code for _, leaf in cfg.leaves()}
        if set(labels) <= leaf_codes:
            taxonomy = "config"
            priors = taxonomy_priors(cfg)
            words = lexicon(cfg, gazetteer.terms())
        else:
            words = gazetteer.terms()
    model = CategoryModel(seed=seed, use_embeddings=use_embeddings, lexicon=words, masker=masker)
    model.fit([model_input(e.text, e.address) for e in examples], [e.label for e in examples], priors)
    digest = hashlib.sha256("\n".join(f"{e.label}\t{e.text}" for e in examples).encode()).hexdigest()[:12]
    metadata = {
        "version": f"{datetime.now(UTC):%Y%m%d}-{digest}",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "examples": len(examples),
        "data_sha256_12": digest,
        "sources": sources or [],
        "seed": seed,
        "taxonomy": taxonomy,
        "city": cfg.divisions.city.code if cfg else None,
        "classes": model.classes_,
        "embeddings": model.use_embeddings,
        "temperature": model.temperature,
        "sklearn": sklearn.__version__,
        "text_hashes": sorted({text_hash(e.text) for e in examples}),
        "python": platform.python_version(),
    }
    return RouterModel(model, metadata)


def text_hash(text: str) -> str:
    """Short fingerprint of a training text (lets evaluation report overlap with training data)."""
    return hashlib.sha1(" ".join(text.split()).encode()).hexdigest()[:10]


def default_model_path() -> Path:
    """The Pinghu model shipped inside the package."""
    return Path(str(resources.files("minsheng.routing").joinpath("models/pinghu.model")))
