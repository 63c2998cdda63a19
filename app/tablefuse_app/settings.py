"""App settings, read once per session from the environment (``tablefuse ui`` sets them).

Settings are a frozen object, not module globals, so tests build their own.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_MAX_UPLOAD_MB = "TABLEFUSE_APP_MAX_UPLOAD_MB"
ENV_WORKDIR = "TABLEFUSE_APP_WORKDIR"
ENV_DB = "TABLEFUSE_APP_DB"
REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class AppSettings:
    """Where sessions keep their files, how big an upload may be, which store opens first."""

    max_upload_mb: float = 200.0
    workdir: Path = Path(tempfile.gettempdir()) / "tablefuse-app"
    db: Path | None = None  # a store to open at start (``tablefuse ui --db``)
    example_lake: Path | None = REPO / "examples" / "lake"

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> AppSettings:
        env = os.environ if env is None else env
        base = cls()
        try:
            max_mb = float(env.get(ENV_MAX_UPLOAD_MB, base.max_upload_mb))
        except ValueError:
            max_mb = base.max_upload_mb
        example = base.example_lake if base.example_lake and base.example_lake.is_dir() else None
        return cls(max_upload_mb=max_mb if max_mb > 0 else base.max_upload_mb,
                   workdir=Path(env.get(ENV_WORKDIR) or base.workdir),
                   db=Path(env[ENV_DB]) if env.get(ENV_DB) else None,
                   example_lake=example)


@dataclass(frozen=True)
class Session:
    """One browser session's folder: uploaded lake, saved mapping, default store."""

    root: Path

    @property
    def lake(self) -> Path:
        return self.root / "lake"

    @property
    def mapping(self) -> Path:
        return self.root / "mapping.csv"

    @property
    def default_db(self) -> Path:
        return self.root / "tablefuse.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @classmethod
    def create(cls, workdir: Path) -> Session:
        """A fresh private folder under ``workdir`` (mode 0700), so sessions never share files."""
        workdir.mkdir(parents=True, exist_ok=True)
        root = Path(tempfile.mkdtemp(prefix="session-", dir=workdir))
        session = cls(root)
        session.lake.mkdir(exist_ok=True)
        return session
