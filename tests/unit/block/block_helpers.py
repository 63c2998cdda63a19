"""Helpers for the block tests: in-memory TupleTables and pair sets."""
from __future__ import annotations

import random

import polars as pl

from tablefuse.frames import TUPLE_META, TupleTable

FIRST = ["anna", "boris", "carla", "dmitri", "elena", "farid", "greta", "hiro", "ines", "jakob",
         "kasia", "lorenzo", "maya", "nils", "olga", "pavel", "quinn", "rosa", "sven", "tomas"]
LAST = ["abernathy", "brightwater", "castellano", "dunmore", "eriksson", "fairweather", "galloway",
        "hollister", "ivanova", "jorgensen", "kowalczyk", "lindqvist", "montague", "nakamura",
        "oyelaran", "pemberton", "quintero", "rasmussen", "stavros", "thornbury"]
STREET = ["maple", "harbor", "willow", "granite", "sparrow", "juniper", "lantern", "meadow"]


def make_tuples(rows: list[dict[str, str | None]], attributes: tuple[str, ...]) -> TupleTable:
    """A TupleTable from dicts holding ``source``, ``source_key`` and attribute values."""
    frame = pl.DataFrame({
        "tid": list(range(len(rows))),
        "source": [r["source"] for r in rows],
        "source_row": [i for i, _ in enumerate(rows)],
        "source_key": [r.get("source_key") for r in rows],
        **{a: [r.get(a) for r in rows] for a in attributes},
    }, schema={"tid": pl.Int64, "source": pl.Utf8, "source_row": pl.Int64, "source_key": pl.Utf8,
               **{a: pl.Utf8 for a in attributes}})
    table = TupleTable(frame.select(*TUPLE_META, *attributes), attributes)
    table.validate()
    return table


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1:]  # drop one inner letter


def pairs_of(frame: pl.DataFrame) -> set[tuple[int, int]]:
    return set(zip(frame["tid_a"].to_list(), frame["tid_b"].to_list()))
