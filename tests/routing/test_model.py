from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from minsheng.directory.config import CityConfig
from minsheng.routing.datasets import Example
from minsheng.routing.model import FORMAT, ModelFormatError, RouterModel, train

EXAMPLES = [Example(t, lab) for t, lab in [
    ("路灯不亮", "light"), ("路灯坏了好几天", "light"), ("灯杆歪了", "light"),
    ("停水了", "water"), ("自来水浑浊", "water"), ("水压低", "water"),
]]


def test_save_load_round_trip(tmp_path: Path, pinghu: CityConfig) -> None:
    model = train(EXAMPLES, pinghu, use_embeddings=False, sources=["x.csv"])
    assert model.metadata["taxonomy"] == "custom" and model.metadata["examples"] == 6
    loaded = RouterModel.load(model.save(tmp_path / "m.model"))
    assert loaded.version == model.version
    assert loaded.classifier.predict_one("路灯不亮了").probs == pytest.approx(
        model.classifier.predict_one("路灯不亮了").probs, abs=1e-3)


def test_refuses_other_files_and_versions(tmp_path: Path) -> None:
    other = tmp_path / "other.model"
    joblib.dump({"hello": 1}, other)
    with pytest.raises(ModelFormatError, match="不是"):
        RouterModel.load(other)
    old = tmp_path / "old.model"
    joblib.dump({"format": FORMAT, "format_version": 0, "metadata": {}, "classifier": None}, old)
    with pytest.raises(ModelFormatError, match="重新训练"):
        RouterModel.load(old)
    with pytest.raises(ModelFormatError):
        RouterModel.load(tmp_path / "missing.model")


def test_shipped_model_is_current(shipped_model: RouterModel, pinghu: CityConfig) -> None:
    leaves = {leaf.code for _, leaf in pinghu.leaves()}
    assert shipped_model.metadata["taxonomy"] == "config"
    assert set(shipped_model.classifier.classes_) <= leaves
    assert shipped_model.metadata["examples"] == 520
