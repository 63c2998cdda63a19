"""Small lakes whose true pairs are known, built in memory (no files, no shared data)."""
from __future__ import annotations

import random

import pytest

from tablefuse.frames import TupleTable

from block_helpers import FIRST, LAST, STREET, make_tuples, typo


@pytest.fixture()
def people() -> tuple[TupleTable, set[tuple[int, int]]]:
    """Source a: 120 people (name, street, phone); source b: 60 of them again with a different
    schema (full_name, address), reordered words, and ``Inc`` appended to every b name."""
    rng = random.Random(7)
    rows: list[dict[str, str | None]] = []
    names = rng.sample([(f, last) for f in FIRST for last in LAST], 120)
    for i, (f, last) in enumerate(names):
        rows.append({"source": "a.csv", "source_key": str(i), "name": f"{f.title()} {last.title()}",
                     "street": f"{rng.randint(1, 999)} {rng.choice(STREET)} st.",
                     "phone": f"{rng.randint(200, 999)}-{rng.randint(1000, 9999)}"})
    truth = set()
    for i in rng.sample(range(120), 60):
        a = rows[i]
        truth.add((i, len(rows)))
        rows.append({"source": "b.csv", "source_key": str(len(rows)),
                     "full_name": f"{a['name'].split()[1]}, {a['name'].split()[0]} Inc.",
                     "address": a["street"].upper()})
    return make_tuples(rows, ("name", "street", "phone", "full_name", "address")), truth


@pytest.fixture()
def typos() -> tuple[TupleTable, set[tuple[int, int]]]:
    """40 people as one word (``annaabernathy``), each duplicated with one letter dropped."""
    rng = random.Random(3)
    rows: list[dict[str, str | None]] = []
    truth = set()
    for f, last in rng.sample([(f, last) for f in FIRST for last in LAST], 40):
        rows.append({"source": "t.csv", "name": f"{f}{last}"})
        rows.append({"source": "t.csv", "name": typo(f"{f}{last}", rng)})
        truth.add((len(rows) - 2, len(rows) - 1))
    return make_tuples(rows, ("name",)), truth
