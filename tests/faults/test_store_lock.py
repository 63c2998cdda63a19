"""The store's write lock in one process: re-entrant (a caller may hold it around a whole run
while ``write_run`` takes it again), released on exit, and refused early on a read-only path."""
from __future__ import annotations

from pathlib import Path

import pytest

from tablefuse.errors import StoreError
from tablefuse.store import check_writable, store_lock

pytestmark = pytest.mark.faults


def test_the_lock_is_reentrant_and_released(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    with store_lock(db, wait=0), store_lock(db, wait=0):
        pass
        assert (tmp_path / ".store.duckdb.lock").exists()
    assert not (tmp_path / ".store.duckdb.lock").exists()  # removed as it is let go
    with store_lock(db, wait=0):  # released: taken again at once
        pass


def test_a_read_only_store_is_refused_before_any_work(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    db.write_bytes(b"")
    db.chmod(0o444)
    try:
        with pytest.raises(StoreError, match="read-only"):
            check_writable(db)
    finally:
        db.chmod(0o644)
    check_writable(tmp_path / "new" / "deeper" / "store.duckdb")  # missing folders are created later
