"""Shared fixtures for judge tests: a tiny synthetic lake and a fast stand-in encoder."""
from __future__ import annotations

import random

import polars as pl
import pytest

from tablefuse.frames import TUPLE_META, CandidatePairs, TupleTable

from judge_helpers import HashEncoder  # noqa: F401  (re-exported for fixtures)

FIRST = ["alice", "bruno", "chen", "dmitri", "elena", "farid", "grace", "hiro", "ines", "jamal", "kofi",
         "lena", "marco", "nadia", "oscar", "priya", "quinn", "rosa", "sven", "tara", "umar", "vera"]
LAST = ["smith", "garcia", "nakamura", "okafor", "larsen", "haddad", "kowalski", "silva", "novak", "reyes",
        "fischer", "moreau", "patel", "jensen", "rossi", "dubois"]
CITY = ["boston", "denver", "austin", "seattle", "miami", "chicago", "portland", "phoenix"]
STREET = ["oak", "maple", "pine", "cedar", "elm", "birch", "willow", "main"]


def make_lake(n_entities: int = 80, seed: int = 0) -> tuple[TupleTable, CandidatePairs, set[tuple[int, int]]]:
    """Two sources: source A holds n entities, source B a corrupted copy of half of them plus as
    many unrelated entities. Candidates: every cross-source pair sharing the city (blocking).
    Returns (tuples, candidates, true duplicate pairs as (tid_a, tid_b))."""
    rng = random.Random(seed)
    ents = []
    seen = set()
    while len(ents) < 2 * n_entities:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        if name in seen:
            continue
        seen.add(name)
        ents.append({"name": name, "street": f"{rng.randint(1, 999)} {rng.choice(STREET)} street",
                     "city": rng.choice(CITY), "phone": f"{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"})
    rows, sources, truth = [], [], set()
    for e in ents[:n_entities]:
        rows.append(dict(e))
        sources.append("a")
    for i, e in enumerate(ents[:n_entities // 2]):
        d = dict(e)
        d["name"] = d["name"].title()
        d["street"] = d["street"].replace("street", "st")
        if i % 3 == 0:
            d["phone"] = None
        if i % 4 == 0:
            nm = d["name"]
            k = rng.randrange(1, len(nm) - 1)
            d["name"] = nm[:k] + nm[k + 1:]
        truth.add((i, len(rows)))
        rows.append(d)
        sources.append("b")
    for e in ents[n_entities:n_entities + n_entities // 2]:
        rows.append(dict(e))
        sources.append("b")
    attrs = ["name", "street", "city", "phone"]
    n = len(rows)
    frame = pl.DataFrame({
        "tid": pl.Series(range(n), dtype=pl.Int64), "source": sources,
        "source_row": pl.Series(range(n), dtype=pl.Int64), "source_key": pl.Series([None] * n, dtype=pl.Utf8),
        **{a: pl.Series([r[a] for r in rows], dtype=pl.Utf8) for a in attrs},
    })
    tuples = TupleTable(frame.select(list(TUPLE_META) + attrs), tuple(attrs))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)
             if sources[i] != sources[j] and rows[i]["city"] == rows[j]["city"]]
    cands = CandidatePairs(pl.DataFrame({"tid_a": [a for a, _ in pairs], "tid_b": [b for _, b in pairs],
                                         "blocker": ["city"] * len(pairs)},
                                        schema={"tid_a": pl.Int64, "tid_b": pl.Int64, "blocker": pl.Utf8}))
    return tuples, cands, truth


@pytest.fixture(scope="session")
def lake():
    return make_lake(n_entities=50)


@pytest.fixture(scope="session", autouse=True)
def _one_torch_thread():
    """Tiny models run faster on one thread, and the test machine's cores are shared."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture()
def hash_encoder() -> HashEncoder:
    return HashEncoder()
