from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from minsheng.routing.features import TfidfIndex, char_ngrams

DOCS = ["楼下烧烤店油烟直排", "路灯不亮 已经三天", "烧烤店 夜里很吵", "油烟 油烟 油烟"]


def test_matches_scikit_learn_tfidf() -> None:
    ours = TfidfIndex().fit_transform([char_ngrams(d) for d in DOCS]).toarray()
    theirs = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True).fit_transform(DOCS)
    # same vocabulary order (sorted terms), same weights
    assert np.allclose(ours, theirs.toarray(), atol=1e-6)


def test_unknown_tokens_give_an_empty_row() -> None:
    index = TfidfIndex().fit([["a", "b"]])
    row = index.transform([["z"]])
    assert row.shape == (1, 2) and row.nnz == 0
