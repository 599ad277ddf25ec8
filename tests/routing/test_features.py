from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from minsheng.routing.features import SparseRows, TfidfIndex, char_ngrams

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


def _indexes() -> tuple[TfidfIndex, TfidfIndex, list[list[str]], list[list[str]]]:
    grams = [char_ngrams(d) for d in DOCS]
    words = [d.split() for d in DOCS]
    return TfidfIndex().fit(grams), TfidfIndex().fit(words), grams, words


def test_rows_of_two_indexes_sit_side_by_side() -> None:
    chars, words, grams, tokens = _indexes()
    rows = SparseRows.of([chars, words], [grams, tokens])
    expected = sparse.hstack([chars.transform(grams), words.transform(tokens)]).toarray()
    assert rows.width == chars.size + words.size
    assert np.allclose(rows.csr().toarray(), expected, atol=1e-7)
    assert np.allclose(np.linalg.norm(rows.csr()[:, :chars.size].toarray(), axis=1), 1.0, atol=1e-6)


@pytest.mark.parametrize("copies", [1, 30])  # a batch of 5 rows and of 150 (in chunks of 64)
def test_times_is_the_matrix_product_even_with_an_empty_row(copies: int) -> None:
    chars, _, grams, _ = _indexes()
    documents = [*grams, ["未见过的词"]] * copies
    rows = SparseRows.of([chars], [documents])
    weights = np.random.default_rng(3).standard_normal((chars.size, 4)).astype(np.float32)
    product = rows.times(weights)
    assert product.shape == (len(documents), 4)
    assert np.allclose(product, rows.csr().toarray() @ weights, atol=1e-5)
    assert not product[len(grams)].any()  # the document with no known token
