"""Builders for resolve tests: hand-made tuple tables and memberships, all attributes text."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from tablefuse.frames import Membership, TupleTable

from lake_builders import Row, build_lake

Build = Callable[[Sequence[Row], Sequence[str]], tuple[TupleTable, Membership]]


@pytest.fixture
def build() -> Build:
    return build_lake
