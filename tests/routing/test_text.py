"""Word segmentation: rjieba, with the city's lexicon, gives exactly jieba's tokens, so models keep
reading the features they were trained on."""

from __future__ import annotations

import logging
import pickle
from functools import cache

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from minsheng.routing.model import RouterModel, default_model_path
from minsheng.routing.text import LEXICON_FREQ, Segmenter, model_input, normalise


@cache
def _jieba(lexicon: tuple[str, ...] = ()) -> jieba.Tokenizer:
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in lexicon:
        tokenizer.add_word(word, freq=LEXICON_FREQ)
    return tokenizer


def test_the_shipped_model_s_segmenter_splits_as_jieba_does(shipped_a, shipped_b) -> None:
    classifier = RouterModel.load(default_model_path()).classifier
    segmenter = classifier.segmenter
    texts = [classifier.prepare(model_input(e.text, e.address)) for e in [*shipped_a, *shipped_b]]
    reference = _jieba(tuple(segmenter.lexicon))
    assert [segmenter.words(t) for t in texts] == [[w for w in reference.lcut(t) if w.strip()] for t in texts]
    assert "窨井盖" in segmenter.words("门口窨井盖缺失")  # the lexicon counts


# Chinese that forms words and unknown runs, ASCII letters, digits and the signs that rjieba joins
TEXT = st.text(alphabet="abAB019-_.+#&%@/ :，。！？小区号楼室路灯坏了窨井盖的T恤卡拉OK杉青港村", max_size=24)


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_any_text_gets_jieba_s_tokens(text: str) -> None:
    segmenter = Segmenter(["杉青港村", "窨井盖"])
    reference = _jieba(tuple(segmenter.lexicon))
    for variant in (text, normalise(text)):
        assert segmenter.tokens(variant) == reference.lcut(variant)


def test_ascii_runs_split_as_jieba_splits_them() -> None:
    segmenter = Segmenter()
    assert segmenter.words("3号楼2-301室") == ["3", "号楼", "2", "-", "301", "室"]
    assert segmenter.words("v1.2版本 12.5.3") == ["v1.2", "版本", "12.5", ".", "3"]
    assert segmenter.words("会c++和AT&T") == ["会", "c++", "和", "AT&T"]


def test_a_segmenter_survives_pickling() -> None:
    segmenter = Segmenter(["杉青港村", "占道经营"])
    segmenter.words("预热")
    copy = pickle.loads(pickle.dumps(segmenter))
    assert copy.words("杉青港村有人占道经营") == ["杉青港村", "有人", "占道经营"]


def test_segmenters_of_one_lexicon_share_a_tokenizer() -> None:
    first, second = Segmenter(["杉青港村", "窨井盖"]), Segmenter(["窨井盖", "杉青港村"])
    other = Segmenter(["占道经营"])
    first.words("预热"), second.words("预热"), other.words("预热")
    assert first._tokenizer is second._tokenizer
    assert other._tokenizer is not first._tokenizer
    assert other.words("门口窨井盖缺失") == _jieba(("占道经营",)).lcut("门口窨井盖缺失")


def test_the_first_tokenizer_of_a_process_is_the_one_rjieba_built_on_import() -> None:
    import subprocess
    import sys

    script = ("import rjieba\n"
              "from minsheng.routing.text import Segmenter\n"
              "s = Segmenter(['杉青港村'])\n"
              "assert s.words('杉青港村路灯坏了')[0] == '杉青港村'\n"
              "assert s._tokenizer is rjieba._DEFAULT_JIEBA\n"
              "t = Segmenter()\n"
              "assert t.words('杉青港村')  != ['杉青港村'] and t._tokenizer is not rjieba._DEFAULT_JIEBA\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
