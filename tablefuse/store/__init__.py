"""Store: the DuckDB contract. Only this package knows table names and DDL.

Public: ``write_run(db_path, result, version)`` (atomic), ``read_table(db_path, name)``,
``export_table(db_path, name, fmt, out)``, ``info(db_path)``, ``list_tables(db_path)``,
``TABLES`` (the contract tables, in order) and ``PRESERVED_TABLES`` (tables a run carries over
untouched, such as user ``decisions``), ``load_embedding_cache`` / ``save_embedding_cache``
(the persisted ``embedding_cache``: text vectors per encoder ``model_id``).

User decisions (``record_override``, ``record_accept``, ``record_split``, ``record_merge``,
``delete_decision``, ``list_decisions``) win on read: ``read_table`` and ``export_table`` apply
them to ``membership``, ``integrated``, ``conflicts`` and ``provenance`` (``raw=True`` does not).
"""
from ._decisions import (DECISION_KINDS, delete_decision, export_table, list_decisions,
                         read_table, record_accept, record_merge, record_override, record_split)
from ._duckdb import PRESERVED_TABLES, TABLES, info, list_tables, write_run
from ._embedding_cache import load_embedding_cache, save_embedding_cache

__all__ = ["DECISION_KINDS", "PRESERVED_TABLES", "TABLES", "delete_decision", "export_table",
           "info", "list_decisions", "list_tables", "load_embedding_cache", "read_table",
           "record_accept", "record_merge", "record_override", "record_split", "save_embedding_cache", "write_run"]
