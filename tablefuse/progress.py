"""Progress reporting is injected, so the library never prints: the CLI passes a rich bar,
the app a Streamlit one, tests and library users get ``NullProgress``."""
from __future__ import annotations

import logging
from typing import Protocol

logger = logging.getLogger("tablefuse")


class Progress(Protocol):
    def stage(self, name: str) -> None:
        """A new stage starts (``ingest``, ``align``, ``block`` ...)."""

    def total(self, n: int | None) -> None:
        """The current stage will take ``n`` steps (None: unknown)."""

    def advance(self, n: int = 1) -> None:
        """``n`` more steps of the current stage are done."""

    def done(self, name: str, summary: str) -> None:
        """The stage ``name`` finished; ``summary`` is one human line."""


class NullProgress:
    """Reports nothing."""

    def stage(self, name: str) -> None:
        pass

    def total(self, n: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def done(self, name: str, summary: str) -> None:
        pass


class LogProgress(NullProgress):
    """Reports stage starts and ends to the ``tablefuse`` logger."""

    def stage(self, name: str) -> None:
        logger.info("stage %s started", name)

    def done(self, name: str, summary: str) -> None:
        logger.info("stage %s done: %s", name, summary)


def ensure_progress(progress: Progress | None) -> Progress:
    return progress if progress is not None else NullProgress()
