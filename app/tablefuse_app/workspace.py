"""Workspaces: a session's lake, mapping and store kept on disk, so a reload or a link reopens them.

A browser session used to live in a fresh temporary folder, thrown away on reload. Now every
folder under the app's ``workdir`` named ``session-*`` is a workspace: listed with its time,
sources and row counts, the last one used reopens by default, and its name goes in the URL
(``?ws=session-abc``), so a link or a reload opens the same one. Names are checked against the
folders that exist (a query string never names an arbitrary path).
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path

from .settings import Session

PREFIX = "session-"
_NAME = re.compile(r"^session-[A-Za-z0-9_]{1,64}$")
_LAST = "last-workspace.txt"


@dataclass(frozen=True)
class WorkspaceEntry:
    """One workspace as the picker lists it."""

    name: str
    modified: float  # the newest of its lake files, store and mapping (seconds since the epoch)
    files: int
    sources: tuple[str, ...]
    store: Path
    has_store: bool
    tuples: int | None  # rows of the stored run (None: no run yet)
    sets: int | None

    def label(self) -> str:
        """"session-abc · 2026-12-04 21:05 · 6 files · 337 rows → 142 sets"."""
        from .humanize import plural

        when = _dt.datetime.fromtimestamp(self.modified).strftime("%Y-%m-%d %H:%M")
        run = (f" · {plural(self.tuples, 'row')} → {plural(self.sets, 'set')}"
               if self.tuples is not None and self.sets is not None else " · not integrated yet")
        return f"{self.name} · {when} · {plural(self.files, 'file')}{run}"


class Workspaces:
    """The workspaces under ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir

    def create(self) -> Session:
        session = Session.create(self.workdir)
        self.remember(session)
        return session

    def get(self, name: str | None) -> Session | None:
        """The workspace called ``name``, or None when the name is malformed or unknown."""
        if not name or not _NAME.match(name):
            return None
        root = self.workdir / name
        return Session(root) if root.is_dir() else None

    def remember(self, session: Session) -> None:
        """Make ``session`` the one a new browser session opens."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / _LAST).write_text(session.root.name, encoding="utf-8")

    def last(self) -> Session | None:
        try:
            name = (self.workdir / _LAST).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return self.get(name)

    def open_or_create(self, asked: str | None) -> Session:
        """The workspace the URL asks for, else the last one used, else a new one."""
        session = self.get(asked) or self.last() or self.create()
        self.remember(session)
        return session

    def entries(self) -> list[WorkspaceEntry]:
        """Every workspace, newest first."""
        if not self.workdir.is_dir():
            return []
        found = [self.entry(Session(p)) for p in self.workdir.iterdir()
                 if p.is_dir() and _NAME.match(p.name)]
        return sorted(found, key=lambda e: (-e.modified, e.name))

    @staticmethod
    def entry(session: Session) -> WorkspaceEntry:
        from tablefuse import store
        from tablefuse.errors import TablefuseError

        from .uploads import lake_files

        files = lake_files(session.lake) if session.lake.is_dir() else []
        stamps = [p.stat().st_mtime for p in [*files, session.default_db, session.mapping]
                  if p.is_file()] or [session.root.stat().st_mtime]
        tuples = sets = None
        has_store = session.default_db.is_file()
        if has_store:
            try:
                info = store.info(session.default_db)
                tuples, sets = int(info["tuples"]), int(info["sets"])
            except (TablefuseError, KeyError, TypeError, ValueError):
                has_store = False
        return WorkspaceEntry(name=session.root.name, modified=max(stamps), files=len(files),
                              sources=tuple(p.relative_to(session.lake).as_posix() for p in files),
                              store=session.default_db, has_store=has_store, tuples=tuples, sets=sets)
