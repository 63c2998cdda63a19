"""Hand-made tuple tables and memberships for stage tests (all attributes text).

A plain module beside the top conftest, so every test folder can import it."""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from tablefuse.frames import Membership, TupleTable

Row = tuple[int, str, int, dict[str, str | None]]  # tid, source, set_id, values


def build_lake(rows: Sequence[Row], attributes: Sequence[str]) -> tuple[TupleTable, Membership]:
    frame = pl.DataFrame({
        "tid": pl.Series([r[0] for r in rows], dtype=pl.Int64),
        "source": pl.Series([r[1] for r in rows], dtype=pl.Utf8),
        "source_row": pl.Series(list(range(len(rows))), dtype=pl.Int64),
        "source_key": pl.Series([None] * len(rows), dtype=pl.Utf8),
        **{a: pl.Series([r[3].get(a) for r in rows], dtype=pl.Utf8) for a in attributes},
    })
    membership = pl.DataFrame({"tid": pl.Series([r[0] for r in rows], dtype=pl.Int64),
                               "set_id": pl.Series([r[2] for r in rows], dtype=pl.Int64)})
    tuples = TupleTable(frame, tuple(attributes))
    tuples.validate()
    return tuples, Membership(membership)
