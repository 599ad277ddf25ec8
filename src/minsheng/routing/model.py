"""The routing model file: a versioned, self-describing artefact loaded at start-up.

A file holds {format, format_version, metadata, classifier} as a gzip-compressed pickle. Only
load files you trust (a pickle can run code): they are produced by `minsheng router train`. A file
of another format or version is refused with a clear message.

Files are written and read with the standard library's pickle: joblib, which wrote them until
2026-12-04, costs every process that imports it ~7 MB (its 159 modules), for arrays of a few
megabytes. A file joblib wrote is still read, through joblib, imported for it alone; joblib reads
the files written now.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import platform
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from minsheng.directory.config import CityConfig
from minsheng.routing.classify import CategoryModel
from minsheng.routing.datasets import Example, lexicon, taxonomy_priors
from minsheng.routing.locate import Gazetteer
from minsheng.routing.text import model_input

FORMAT = "minsheng-router-model"
FORMAT_VERSION = 2  # 2: the classifier may carry a domain model (custom taxonomies)
READABLE_VERSIONS = (1, 2)  # a version-1 file is a version-2 file without a domain model


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
        with gzip.open(path, "wb", compresslevel=6) as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return path

    @classmethod
    def load(cls, path: str | Path) -> RouterModel:
        try:
            payload = _read(Path(path))
        except Exception as exc:
            raise ModelFormatError(f"{path}: 无法读取路由模型（{exc}）") from exc
        if not isinstance(payload, dict) or payload.get("format") != FORMAT:
            raise ModelFormatError(f"{path}: 不是 minsheng 路由模型文件")
        if payload.get("format_version") not in READABLE_VERSIONS:
            raise ModelFormatError(
                f"{path}: 模型格式版本 {payload.get('format_version')}，"
                f"本程序需要 {FORMAT_VERSION}；请重新训练")
        return cls(payload["classifier"], payload["metadata"])


class _WrittenByJoblib(Exception):
    pass


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] == "joblib":  # joblib's array wrappers: only joblib reads them
            raise _WrittenByJoblib
        return super().find_class(module, name)


def _read(path: Path) -> Any:
    try:
        with gzip.open(path, "rb") as fh:
            return _Unpickler(fh).load()
    except (gzip.BadGzipFile, _WrittenByJoblib):  # joblib's own pickles, compressed or not
        import joblib

        return joblib.load(path)


def domain_model(cfg: CityConfig, model_path: str | Path | None = None, *, seed: int = 0) -> CategoryModel | None:
    """What the platform already knows about its city's requests, for a model in another taxonomy:
    the installed routing model (`model_path`, else the configured or packaged one) when it is a
    model of this city's categories, else a model of the categories' names and descriptions alone."""
    from minsheng.settings import get_settings

    leaf_codes = {leaf.code for _, leaf in cfg.leaves()}
    path = model_path or get_settings().routing_model_path or default_model_path()
    try:
        installed = RouterModel.load(path)
        if (installed.metadata.get("taxonomy") == "config"
                and set(installed.classifier.classes_) <= leaf_codes and installed.classifier.domain is None):
            return installed.classifier
    except (ModelFormatError, OSError):
        pass
    priors = taxonomy_priors(cfg)
    if len({label for _, label in priors}) < 2:
        return None
    gazetteer = Gazetteer.from_config(cfg, national=False)
    model = CategoryModel(seed=seed, lexicon=lexicon(cfg, gazetteer.terms()), masker=gazetteer.mask)
    return model.fit([t for t, _ in priors], [label for _, label in priors])


def train(examples: list[Example], cfg: CityConfig | None = None, *, seed: int = 0,
          use_embeddings: bool = True, sources: list[str] | None = None,
          domain: CategoryModel | None = None, use_domain: bool = True) -> RouterModel:
    """Train a router model. With a city configuration whose categories cover the labels, the
    taxonomy's names and descriptions join the training data and its places are masked. Labels of
    another taxonomy (a `text,label` CSV) are learnt with the city's own model as one more
    signal: its probabilities over the city's categories become features of a third head
    (`domain`, default `domain_model(cfg)`), weighted as the training data's cross-validation
    decides (not at all when they do not help)."""
    import sklearn

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
    if taxonomy == "custom" and cfg is not None and use_domain and domain is None:
        domain = domain_model(cfg, seed=seed)
        if domain is not None and domain.needs_embeddings and not use_embeddings:
            domain = None  # without embeddings means without them: the city model reads them too
    model = CategoryModel(seed=seed, use_embeddings=use_embeddings, lexicon=words, masker=masker,
                          domain=domain if taxonomy == "custom" and use_domain else None)
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
        "text_temperature": model.text_temperature,
        "domain_weight": model.domain_weight,
        "domain_classes": len(model.domain.classes_) if model.domain is not None else 0,
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
