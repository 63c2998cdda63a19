from __future__ import annotations

from tablefuse.config import IngestConfig
from tablefuse.ingest import read_lake


def test_excluded_files_are_not_read_but_are_reported(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.csv").write_text("name\nx\n")
    (tmp_path / "gt.csv").write_text("id1,id2\n1,2\n")
    (tmp_path / "sub" / "gt.csv").write_text("id1,id2\n1,2\n")
    (tmp_path / "sub" / "b.csv").write_text("name\ny\n")
    lake = read_lake(tmp_path, IngestConfig(exclude=("gt.csv",)))
    assert [t.source for t in lake.tables] == ["a.csv", "sub/b.csv"]
    excluded = sorted(i.source for i in lake.issues if i.kind == "excluded")
    assert excluded == ["gt.csv", "sub/gt.csv"]
    lake = read_lake(tmp_path, IngestConfig(exclude=("sub/*",)))
    assert [t.source for t in lake.tables] == ["a.csv", "gt.csv"]
