"""Embedding kNN blocking: exact neighbours, cross-source mask, thresholds, and the real model."""
from __future__ import annotations

import numpy as np
import pytest

from tablefuse.block import EmbeddingBlocker, TokenBlocker, make_blocker
from tablefuse.block._embedding import knn_pairs
from tablefuse.config import BlockConfig
from tablefuse.errors import ModelError

from block_helpers import make_tuples, pairs_of


class FakeEncoder:
    """Maps each text to a fixed vector so neighbours are known exactly."""

    def __init__(self, table: dict[str, list[float]]):
        self.table = table
        self.seen: list[str] = []

    def encode(self, texts):
        self.seen.extend(texts)
        v = np.array([self.table[t] for t in texts], dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def _tuples():
    rows = [{"source": "a", "source_key": "1", "name": "x1"}, {"source": "a", "source_key": "2", "name": "x2"},
            {"source": "b", "source_key": "1", "name": "y1"}, {"source": "b", "source_key": "2", "name": "y2"},
            {"source": "b", "source_key": "3", "name": None}]
    enc = FakeEncoder({"x1": [1, 0, 0], "x2": [1, 0.1, 0], "y1": [0.9, 0.5, 0], "y2": [0, 0, 1]})
    return make_tuples(rows, ("name",)), enc


def test_knn_pairs_are_exact_and_exclude_self():
    v = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.1, 0.99]], dtype=np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    p = knn_pairs(np.array([10, 11, 12, 13]), np.zeros(4, dtype=np.int64), v, k=1)
    assert pairs_of(p) == {(10, 11), (12, 13)}
    # chunking (one query row at a time) gives the same answer
    small = knn_pairs(np.array([10, 11, 12, 13]), np.zeros(4, dtype=np.int64), v, k=1, max_chunk_elements=1)
    assert pairs_of(small) == pairs_of(p)


def test_embedding_blocker_skips_empty_tuples_and_respects_sources():
    tuples, enc = _tuples()
    cand = EmbeddingBlocker(knn=1, encoder=enc).candidates(tuples)
    cand.validate()
    assert "" not in enc.seen and len(enc.seen) == 4  # the all-null tuple is not encoded
    # x1 <-> x2 are mutual nearest, y1's nearest is x2; y2 (orthogonal) adds one arbitrary pair
    assert {(0, 1), (1, 2)} <= pairs_of(cand.frame) and cand.frame.height <= 3
    assert cand.frame.height and all(4 not in pair for pair in pairs_of(cand.frame))
    cross = EmbeddingBlocker(knn=1, cross_source_only=True, encoder=enc).candidates(tuples)
    src = dict(zip(tuples.frame["tid"].to_list(), tuples.frame["source"].to_list()))
    assert cross.frame.height and all(src[a] != src[b] for a, b in pairs_of(cross.frame))
    assert {(0, 2), (1, 2)} <= pairs_of(cross.frame)  # both x's nearest b tuple is y1
    assert set(cross.frame["blocker"].unique()) == {"embedding"}


def test_min_similarity_drops_weak_neighbours():
    tuples, enc = _tuples()
    loose = EmbeddingBlocker(knn=3, encoder=enc).candidates(tuples).frame
    strict = EmbeddingBlocker(knn=3, min_similarity=0.8, encoder=enc).candidates(tuples).frame
    assert pairs_of(strict) < pairs_of(loose)
    assert pairs_of(strict) and all(3 not in pair for pair in pairs_of(strict))  # y2 is orthogonal to everything


def test_make_blocker_passes_a_shared_encoder():
    _, enc = _tuples()
    b = make_blocker(BlockConfig(method="embedding", knn=4, min_similarity=0.3), encoder=enc)
    assert isinstance(b, EmbeddingBlocker) and b.encoder is enc and b.knn == 4


PARAPHRASES = [
    ("automobile repair shop", "car mechanic garage"), ("physician clinic", "doctor's office"),
    ("big apple pizzeria", "new york pizza place"), ("attorney at law", "lawyer"),
    ("kitten adoption center", "cat rescue shelter"), ("fast food burger joint", "hamburger restaurant"),
    ("sofa and couch store", "furniture shop"), ("pharmacy", "drugstore"),
    ("motion picture theater", "cinema"), ("grocery supermarket", "food market"),
    ("dental surgery", "dentist"), ("veterinary hospital", "animal clinic"),
    ("bicycle rental", "bike hire"), ("hair salon", "barber shop"),
    ("public library", "book lending archive"), ("fitness center", "gym"),
    ("coffee house", "cafe espresso bar"), ("petrol station", "gas station"),
    ("laundromat", "self service laundry"), ("bakery", "bread and pastry shop"),
    ("sushi bar", "japanese raw fish restaurant"), ("florist", "flower shop"),
    ("tire shop", "wheel and tyre centre"), ("optician", "eyeglasses store"),
    ("real estate agency", "property broker"),
]


@pytest.mark.slow
def test_real_encoder_pairs_paraphrases_that_share_no_token():
    rows = [{"source": "a", "name": a} for a, _ in PARAPHRASES] + [{"source": "b", "name": b} for _, b in PARAPHRASES]
    tuples = make_tuples(rows, ("name",))
    n = len(PARAPHRASES)
    truth = {(i, i + n) for i in range(n)}
    try:
        cand = EmbeddingBlocker(knn=3, cross_source_only=True).candidates(tuples)
    except ModelError as exc:
        pytest.skip(f"encoder model not available: {exc}")
    cand.validate()
    found = len(truth & pairs_of(cand.frame)) / n
    tok = len(truth & pairs_of(TokenBlocker(top_k=None).candidates(tuples).frame)) / n
    assert found >= 0.8 > tok
    assert cand.frame.height <= 2 * 3 * n
    assert cand.stats["embedded"] == 2 * n
