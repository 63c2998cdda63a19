"""The background worker: ``python -m tablefuse_app.worker --lake L --db D --config C``.

Runs ``tablefuse.integrate`` and keeps ``<store>.run.json`` current (``background``): every
stage's start, progress and summary, a heartbeat every ``HEARTBEAT_S`` while a stage is silent,
then ``done`` with the run's summary, ``failed`` with the error, or ``stopped`` on SIGTERM.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import threading
import time
import traceback
from pathlib import Path
from types import FrameType

from tablefuse.config import TablefuseConfig
from tablefuse.errors import TablefuseError

from .background import HEARTBEAT_S, RunStatus, StageLine, write_status
from .integrate import CallbackProgress, StageEvent


class _Stopped(BaseException):
    """Raised in the main thread by SIGTERM (a BaseException: no stage swallows it)."""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="tablefuse_app.worker")
    ap.add_argument("--lake", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--config", required=True)
    args = ap.parse_args(argv)
    db, lake = Path(args.db), Path(args.lake)
    now = time.time()
    status = RunStatus(state="running", db=str(db), lake=str(lake), pid=os.getpid(), started=now,
                       updated=now, text="starting")
    lock = threading.Lock()

    def save() -> None:
        with lock:
            status.updated = time.time()
            write_status(status)

    last_write = [0.0]

    def on_event(ev: StageEvent) -> None:
        with lock:
            status.stage, status.fraction, status.text = ev.stage, ev.fraction, ev.text()
            if ev.summary is not None:
                status.stages.append(StageLine(ev.stage, ev.summary, ev.seconds))
        # a stage may advance thousands of times: write a step at most every 0.2 s (the page
        # reads once a second), a stage's start and end always
        now = time.monotonic()
        if ev.step is None or ev.summary is not None or now - last_write[0] >= 0.2:
            last_write[0] = now
            save()

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise _Stopped()

    signal.signal(signal.SIGTERM, on_term)
    save()
    quit_heartbeat = threading.Event()

    def heartbeat() -> None:
        while not quit_heartbeat.wait(HEARTBEAT_S):
            save()

    threading.Thread(target=heartbeat, daemon=True, name="heartbeat").start()
    import tablefuse

    code = 0
    try:
        config = TablefuseConfig.from_dict(json.loads(Path(args.config).read_text("utf-8")))
        result = tablefuse.integrate(lake, config, db_path=db, progress=CallbackProgress(on_event))
        status.state, status.summary, status.fraction, status.text = "done", result.summary(), 1.0, "done"
    except _Stopped:
        status.state, status.error, code = "stopped", "stopped by the user; the store holds the previous run", 1
    except TablefuseError as exc:
        status.state, status.error, code = "failed", str(exc), 2
    except Exception as exc:  # noqa: BLE001 - the page must say why, not hang on "running"
        traceback.print_exc()
        status.state, status.error, code = "failed", f"{type(exc).__name__}: {exc}", 3
    finally:
        quit_heartbeat.set()
        status.finished = time.time()
        save()
    return code


if __name__ == "__main__":
    raise SystemExit(main())
