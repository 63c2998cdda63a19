"""Ingest: read every table of a lake folder as text, with sniffed delimiter and encoding.

Public: ``read_lake(root, config) -> Lake`` and ``read_table(path, root, config) -> SourceTable``.
A bad file raises ``InputError`` (file, row, reason) unless ``config.skip_bad``, in which case it
is recorded as an ``InputIssue`` and the run goes on.
"""
from ._lake import read_lake, read_table

__all__ = ["read_lake", "read_table"]
