from __future__ import annotations

import pickle

import numpy as np
import pytest

from minsheng.routing.classify import CategoryModel, fit_temperature, softmax

NOISE = ["邻居", "昨天", "晚上", "一直", "请尽快处理", "我们小区", "已经好几天", "麻烦看一下"]
TOPICS = {
    "light": ["路灯不亮", "路灯坏了", "灯杆倾斜", "路灯白天常亮"],
    "water": ["停水了", "自来水浑浊", "水压很低", "水管爆裂"],
    "noise": ["半夜装修电钻", "广场舞音响太吵", "楼上跳绳咚咚响", "狗叫一整晚"],
}


def corpus(seed: int, n: int = 60) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        label = list(TOPICS)[i % 3]
        words = [str(rng.choice(TOPICS[label])), *rng.choice(NOISE, 3)]
        rng.shuffle(words)
        texts.append("，".join(words))
        labels.append(label)
    return texts, labels


def test_learns_and_ranks_the_top_three() -> None:
    texts, labels = corpus(1)
    model = CategoryModel(use_embeddings=False).fit(texts, labels)
    test_texts, test_labels = corpus(2, 30)
    predictions = model.predict(test_texts)
    assert np.mean([p.label == y for p, y in zip(predictions, test_labels, strict=True)]) >= 0.9
    p = predictions[0]
    assert len(p.labels) == 3 and list(p.probs) == sorted(p.probs, reverse=True)
    assert abs(sum(model.predict_proba([test_texts[0]])[0]) - 1) < 1e-6


def test_taxonomy_priors_teach_unseen_words() -> None:
    texts, labels = corpus(1)
    priors = [("窨井盖丢失", "light"), ("窨井盖破损", "light")]
    model = CategoryModel(use_embeddings=False).fit(texts, labels, priors)
    assert model.predict_one("门口窨井盖丢失了").label == "light"


def test_training_is_deterministic_for_a_seed() -> None:
    texts, labels = corpus(3)
    a = CategoryModel(use_embeddings=False, seed=7).fit(texts, labels)
    b = CategoryModel(use_embeddings=False, seed=7).fit(texts, labels)
    assert a.temperature == b.temperature
    assert np.array_equal(a.decision(texts[:5]), b.decision(texts[:5]))


def test_embeddings_join_the_text_head() -> None:
    texts, labels = corpus(4, 30)
    model = CategoryModel(use_embeddings=True).fit(texts, labels)
    assert model.predict_one("路灯一到晚上就不亮").label == "light"


def test_the_fast_form_is_the_text_head_with_its_own_temperature(monkeypatch: pytest.MonkeyPatch) -> None:
    texts, labels = corpus(4, 30)
    model = CategoryModel(use_embeddings=True).fit(texts, labels)
    assert model.text_temperature is not None and model.text_temperature != model.temperature
    text = "路灯一到晚上就不亮"
    fast = model.predict([text], fast=True)[0]
    assert fast.label == "light"
    assert model._text_head is not None
    margins = model._text_head.margins(model._text_matrix([model.prepare(text)]))
    expected = softmax(margins, model.text_temperature)[0]
    assert fast.probs == pytest.approx(sorted(expected, reverse=True)[:3], abs=1e-6)
    assert not np.allclose(model.predict_proba([text]), model.predict_proba([text], fast=True))

    def no_embedding(*args: object) -> None:
        raise AssertionError("the fast form runs no sentence embedding")

    monkeypatch.setattr(CategoryModel, "embed", no_embedding)
    assert model.predict([text], fast=True)[0] == fast


def test_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        CategoryModel(use_embeddings=False).fit(["a"], ["x"])
    with pytest.raises(ValueError):
        CategoryModel(use_embeddings=False).fit(["a", "b"], ["x"])


def test_temperature_recovers_a_known_scale() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(4000, 5))
    truth = np.array([rng.choice(5, p=softmax(row[None, :], 3.0)[0]) for row in logits])
    assert abs(fit_temperature(logits, truth) - 3.0) < 0.3


def test_balanced_sample_takes_every_class_evenly_and_deterministically() -> None:
    import numpy as np

    from minsheng.routing.classify import balanced_sample

    y = np.array(["a"] * 90 + ["b"] * 8 + ["c"] * 2)
    picked = balanced_sample(y, 20, seed=0)
    assert len(picked) == 20 and list(picked) == sorted(picked)
    counts = {label: int((y[picked] == label).sum()) for label in "abc"}
    assert counts == {"a": 10, "b": 8, "c": 2}
    assert list(balanced_sample(y, 20, seed=0)) == list(picked)
    assert list(balanced_sample(y, 200, seed=0)) == list(range(100))


def test_phrase_groups_join_one_class_wording_not_boilerplate() -> None:
    from minsheng.routing.classify import phrase_groups

    texts = ["您好打扰了我想反映一下路灯坏了好几个星期了", "路灯坏了好几个星期了谢谢",
             "您好打扰了我想反映一下自来水浑浊发黄有异味", "自来水浑浊发黄有异味很久了", "停电了"]
    y = np.array(["light", "light", "water", "water", "power"])
    groups = phrase_groups(texts, y)
    assert groups[0] == groups[1] and groups[2] == groups[3]  # the same complaint worded alike
    assert groups[0] != groups[2]  # the greeting is shared by two classes: it joins nothing
    assert groups.tolist() == [0, 0, 2, 2, 4]  # named by their first member: the same in every process


def domain_and_custom() -> tuple[CategoryModel, list[str], list[str]]:
    """A domain model that knows all of TOPICS, and custom labels (utility, nuisance) whose
    training texts use only some of each topic's phrases."""
    domain = CategoryModel(use_embeddings=False).fit(*corpus(1, 90))
    rng = np.random.default_rng(5)
    seen = {"utility": ["路灯不亮", "路灯坏了", "停水了", "自来水浑浊"], "nuisance": ["半夜装修电钻", "广场舞音响太吵"]}
    texts, labels = [], []
    for i in range(60):
        label = list(seen)[i % 2]
        words = [str(rng.choice(seen[label])), *rng.choice(NOISE, 3)]
        rng.shuffle(words)
        texts.append("，".join(words))
        labels.append(label)
    return domain, texts, labels


def test_domain_model_teaches_a_custom_taxonomy_what_its_examples_never_said() -> None:
    domain, texts, labels = domain_and_custom()
    unseen = {"水管爆裂了，请尽快处理": "utility", "楼上跳绳咚咚响，已经好几天": "nuisance",
              "狗叫一整晚，麻烦看一下": "nuisance"}
    plain = CategoryModel(use_embeddings=False).fit(texts, labels)
    helped = CategoryModel(use_embeddings=False, domain=domain).fit(texts, labels)
    assert helped.domain is domain and helped.domain_weight > 0
    assert all(helped.predict_one(t).label == label for t, label in unseen.items())
    assert sum(plain.predict_one(t).label == label for t, label in unseen.items()) < len(unseen)


def test_a_domain_weighted_zero_is_dropped() -> None:
    domain, texts, labels = domain_and_custom()
    model = CategoryModel(use_embeddings=False, domain=domain, domain_weights=(0.0,)).fit(texts, labels)
    assert model.domain is None and model.domain_weight == 0.0
    assert model.predict_one("路灯坏了").label == "utility"


def test_predict_among_ranks_only_the_labels_given() -> None:
    texts, labels = corpus(1)
    model = CategoryModel(use_embeddings=False).fit(texts, labels)
    everything = model.predict(["路灯坏了"], k=3)[0]
    among = model.predict(["路灯坏了"], k=3, among={"water", "noise"})[0]
    assert everything.label == "light" and set(among.labels) == {"water", "noise"}
    assert among.probs == tuple(p for label, p in zip(everything.labels, everything.probs, strict=True)
                                if label != "light")  # the same probabilities, not renormalised
    assert model.predict(["路灯坏了"], among=set())[0].labels == ()


def test_a_head_keeps_its_file_layout_and_its_margins() -> None:
    texts, labels = corpus(1)
    head = CategoryModel(use_embeddings=False).fit(texts, labels)._text_head
    assert head is not None
    state = head.__getstate__()  # classes × features on disk, as files written before
    assert state["coef"].shape == head.weights.T.shape and state["coef"].dtype == np.float16
    again = pickle.loads(pickle.dumps(head))
    assert again.weights.flags.c_contiguous and again.weights.shape == head.weights.shape
    X = np.random.default_rng(0).random((3, head.weights.shape[0]), dtype=np.float32)
    assert np.allclose(again.margins(X), head.margins(X), atol=1e-2)
