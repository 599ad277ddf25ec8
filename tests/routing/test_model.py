from __future__ import annotations

from pathlib import Path

import joblib
import pytest

from minsheng.directory.config import CityConfig
from minsheng.routing.datasets import Example
from minsheng.routing.model import FORMAT, ModelFormatError, RouterModel, domain_model, train

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


def test_reads_format_1_files(tmp_path: Path, pinghu: CityConfig) -> None:
    model = train(EXAMPLES, pinghu, use_embeddings=False)
    classifier = model.classifier
    for name in ("domain", "domain_weights", "domain_weight", "_domain_head"):  # what format 1 lacked
        del classifier.__dict__[name]
    old = tmp_path / "v1.model"
    joblib.dump({"format": FORMAT, "format_version": 1, "metadata": model.metadata, "classifier": classifier}, old)
    loaded = RouterModel.load(old)
    assert loaded.classifier.domain is None and loaded.classifier.domain_weight == 0.0
    assert loaded.classifier.predict_one("路灯不亮了").label == "light"


def test_a_file_from_before_the_choice_of_ngrams_reads_its_trigrams(tmp_path: Path, pinghu: CityConfig) -> None:
    model = train(EXAMPLES, pinghu, use_embeddings=False)
    classifier = model.classifier
    assert classifier.char_high == 2
    # such a file's vocabulary holds character 3-grams, and its reader must make them again
    classifier.char_high = 3
    classifier.fit([e.text for e in EXAMPLES], [e.label for e in EXAMPLES])
    expected = classifier.fast_decision(["路灯不亮了"])[0].tolist()
    del classifier.__dict__["char_high"]
    old = tmp_path / "before.model"
    joblib.dump({"format": FORMAT, "format_version": 2, "metadata": model.metadata, "classifier": classifier}, old)
    loaded = RouterModel.load(old).classifier
    assert loaded.char_high == 3
    assert "路灯不" in loaded._char.vocabulary  # type: ignore[union-attr]
    assert loaded.fast_decision(["路灯不亮了"])[0].tolist() == pytest.approx(expected, abs=1e-2)
    assert loaded.predict_one("路灯不亮了").label == "light"


def test_custom_taxonomy_learns_with_the_city_model(tmp_path: Path, pinghu: CityConfig,
                                                     shipped_model: RouterModel) -> None:
    domain = domain_model(pinghu)
    assert domain is not None and domain.classes_ == shipped_model.classifier.classes_
    examples = EXAMPLES * 3
    model = train(examples, pinghu, use_embeddings=False, domain=domain, use_domain=True)
    assert model.metadata["taxonomy"] == "custom"
    assert (model.classifier.domain is not None) == (model.metadata["domain_weight"] > 0)
    loaded = RouterModel.load(model.save(tmp_path / "custom.model"))
    assert loaded.classifier.predict_one("自来水发黄").probs == pytest.approx(
        model.classifier.predict_one("自来水发黄").probs, abs=1e-3)
    assert train(examples, pinghu, use_embeddings=False, use_domain=False).classifier.domain is None
    # the city model reads embeddings: a model trained without them is left without it
    assert train(examples, pinghu, use_embeddings=False).metadata["domain_classes"] == 0


def test_without_a_city_model_the_domain_is_learnt_from_the_descriptions(tmp_path: Path, pinghu: CityConfig) -> None:
    domain = domain_model(pinghu, tmp_path / "missing.model")
    assert domain is not None
    assert set(domain.classes_) == {leaf.code for _, leaf in pinghu.leaves()}
    assert domain.predict_one("窨井盖丢了").label == "SZ02"


def test_a_file_is_read_without_joblib_and_a_file_joblib_wrote_still_is(tmp_path: Path, pinghu: CityConfig) -> None:
    import subprocess
    import sys

    model = train(EXAMPLES, pinghu, use_embeddings=False)
    path = model.save(tmp_path / "m.model")
    script = ("import sys\n"
              "from minsheng.routing.model import RouterModel\n"
              f"m = RouterModel.load({str(path)!r})\n"
              "print(m.classifier.predict_one('路灯不亮了').label, 'joblib' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["light", "False"], done.stderr

    joblib_written = tmp_path / "joblib.model"
    joblib.dump({"format": FORMAT, "format_version": 2, "metadata": model.metadata,
                 "classifier": model.classifier}, joblib_written, compress=("gzip", 6))
    loaded = RouterModel.load(joblib_written)
    assert loaded.version == model.version
    assert loaded.classifier.predict_one("停水了").probs == pytest.approx(
        model.classifier.predict_one("停水了").probs, abs=1e-6)
    assert joblib.load(path)["metadata"] == model.metadata  # older releases, reading with joblib, read it too
