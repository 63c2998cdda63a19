"""Runs that outlive the browser: the pipeline in a worker process tied to its store.

A Streamlit script run ends when the user leaves the page or reloads, and a run made inside it
died with it. Now the Integrate page starts ``python -m tablefuse_app.worker`` in a session of
its own; the worker writes its progress to a status file beside the store (``<store>.run.json``,
replaced atomically, refreshed by a heartbeat), and every page reads that file. So a page switch,
a reload, a second tab or a new browser session all see the same run, and its result once done.

A status that says *running* while its process is gone, or whose heartbeat stopped, reads as
*lost*: the run died (killed, machine restarted) and the store holds the previous run.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tablefuse.config import TablefuseConfig

HEARTBEAT_S = 2.0
STALE_AFTER_S = 60.0  # no heartbeat for this long: the worker is gone
STATES = ("starting", "running", "done", "failed", "stopped", "lost")
APP_DIR = Path(__file__).resolve().parents[1]


def status_path(db: Path) -> Path:
    return db.with_name(db.name + ".run.json")


def log_path(db: Path) -> Path:
    return db.with_name(db.name + ".run.log")


@dataclass
class StageLine:
    stage: str
    summary: str
    seconds: float | None


@dataclass
class RunStatus:
    """What the worker last wrote (``state`` in ``STATES``)."""

    state: str
    db: str
    lake: str
    pid: int | None = None
    started: float = 0.0  # time.time()
    updated: float = 0.0  # the last heartbeat or progress report
    finished: float | None = None
    stage: str | None = None
    fraction: float = 0.0
    text: str = ""
    stages: list[StageLine] = field(default_factory=list)
    summary: dict[str, Any] | None = None
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.state in ("starting", "running")

    def elapsed(self, now: float | None = None) -> float:
        end = self.finished if self.finished is not None else (time.time() if now is None else now)
        return max(end - self.started, 0.0)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> RunStatus:
        data = json.loads(text)
        data["stages"] = [StageLine(**s) for s in data.get("stages", [])]
        return cls(**data)


def write_status(status: RunStatus) -> None:
    """Replace the status file atomically: a reader never sees half a file."""
    path = status_path(Path(status.db))
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(status.to_json(), encoding="utf-8")
    os.replace(tmp, path)


def _alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a finished child of this process stays a zombie until reaped
        done, _ = os.waitpid(pid, os.WNOHANG)
        return done == 0
    except ChildProcessError:
        return True


def read_status(db: Path, now: float | None = None) -> RunStatus | None:
    """The store's latest background run, or None when none was started here."""
    try:
        status = RunStatus.from_json(status_path(db).read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return None
    now = time.time() if now is None else now
    gone = status.pid is not None and not _alive(status.pid)  # no pid yet: the worker is starting
    if status.active and (gone or now - status.updated > STALE_AFTER_S):
        status.state = "lost"
        status.error = ("the run stopped without finishing (its process is gone); the store "
                        "still holds the previous run")
        status.finished = status.updated
    return status


def wait_for(db: Path, timeout: float = 600.0, poll: float = 0.25) -> RunStatus:
    """Block until the store's background run ends (scripts and tests); TimeoutError after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        status = read_status(db)
        if status is not None and not status.active:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"the run of {db} did not end within {timeout:g} s: {status}")
        time.sleep(poll)


class RunInProgress(RuntimeError):
    """A second run was asked for while one is writing the same store."""


def start_run(lake: Path, config: TablefuseConfig, db: Path) -> RunStatus:
    """Start the worker; returns at once. Refuses while a run of this store is in progress."""
    current = read_status(db)
    if current is not None and current.active:
        raise RunInProgress(f"a run of {db} is already in progress (started "
                            f"{time.strftime('%H:%M:%S', time.localtime(current.started))})")
    db.parent.mkdir(parents=True, exist_ok=True)
    config_file = db.with_name(db.name + ".run-config.json")
    config_file.write_text(config.to_json(), encoding="utf-8")
    now = time.time()
    status = RunStatus(state="starting", db=str(db), lake=str(lake), started=now, updated=now,
                       text="starting")
    write_status(status)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(APP_DIR), *filter(None, [os.environ.get("PYTHONPATH")])])}
    with log_path(db).open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tablefuse_app.worker", "--lake", str(lake), "--db", str(db),
             "--config", str(config_file)],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)  # its own session: it outlives the script run and the page
    status.pid = proc.pid
    # the worker may already have written "running"; only fill the pid in a status still ours
    latest = read_status(db)
    if latest is not None and latest.state == "starting" and latest.pid is None:
        write_status(status)
    return status


def stop_run(db: Path) -> bool:
    """Ask the store's running worker to stop (it records ``stopped``); False if none runs."""
    status = read_status(db)
    if status is None or not status.active or not status.pid:
        return False
    try:
        os.kill(status.pid, signal.SIGTERM)
    except ProcessLookupError:
        return False
    return True
