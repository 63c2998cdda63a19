"""A small two-source lake shared by the contract checks: 16 entities, typos and nulls."""
from __future__ import annotations

import pytest

from tablefuse.frames import Membership, TupleTable
from tests.lake_builders import build_lake

ATTRIBUTES = ("name", "city", "phone")
_ENTITIES = [
    ("Blue Door Cafe", "Austin", "512-555-0101"), ("Golden Dragon", "Denver", "303-555-0145"),
    ("Harbor Grill", "Seattle", "206-555-0140"), ("Little Italy Trattoria", "Boston", "617-555-0199"),
    ("Maple Street Diner", "Portland", "503-555-0168"), ("Noodle House", "Chicago", "312-555-0111"),
    ("Ocean Pearl", "Miami", "305-555-0123"), ("Prairie Kitchen", "Omaha", "402-555-0177"),
    ("Red Rock Bistro", "Phoenix", "602-555-0188"), ("Sunset Tacos", "San Diego", "619-555-0133"),
    ("Thai Orchid", "Houston", "713-555-0155"), ("Union Square Bakery", "New York", "212-555-0166"),
    ("Vine Wine Bar", "Napa", "707-555-0144"), ("Willow Tea Room", "Savannah", "912-555-0122"),
    ("Yellow Submarine Subs", "Detroit", "313-555-0190"), ("Zen Garden Sushi", "San Jose", "408-555-0112"),
]


def _typo(text: str) -> str:
    return text[:2] + text[3] + text[2] + text[4:] if len(text) > 4 else text


@pytest.fixture(scope="session")
def lake() -> tuple[TupleTable, Membership]:
    """Each entity once in ``a.csv`` and once, with a typo or a null, in ``b.csv``."""
    rows = []
    for i, (name, city, phone) in enumerate(_ENTITIES):
        rows.append((2 * i, "a.csv", i, {"name": name, "city": city, "phone": phone}))
        other = {"name": _typo(name) if i % 2 else name.upper(), "city": None if i % 3 == 0 else city,
                 "phone": phone.replace("-", " ")}
        rows.append((2 * i + 1, "b.csv", i, other))
    return build_lake(rows, ATTRIBUTES)


@pytest.fixture(scope="session")
def one_row(lake) -> TupleTable:
    tuples, _ = lake
    return TupleTable(tuples.frame.head(1), tuples.attributes)


@pytest.fixture(scope="session")
def empty(lake) -> TupleTable:
    tuples, _ = lake
    return TupleTable(tuples.frame.head(0), tuples.attributes)
