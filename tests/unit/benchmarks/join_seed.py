"""A small seed table whose values the equivalence dictionaries know (for the generator tests)."""
from __future__ import annotations

import polars as pl

STREETS = ("Main", "Oak", "Pine", "Elm", "Cedar", "Lake", "Park", "Hill")
SUFFIXES = ("Street", "Avenue", "Road", "Boulevard")
STATES = ("California", "Oregon", "Texas", "New York")


def seed_table(n: int = 40) -> pl.DataFrame:
    """Street suffixes and state names, so synonym injection has something to replace."""
    return pl.DataFrame({
        "name": [f"Shop {i} {STREETS[i % 8]}" for i in range(n)],
        "address": [f"{10 + i} {STREETS[i % 8]} {SUFFIXES[i % 4]}" for i in range(n)],
        "state": [STATES[i % 4] for i in range(n)],
        "phone": [f"555-01{i:02d}" for i in range(n)],
    })
