"""Store: the DuckDB contract. Only this package knows table names and DDL.

Public: ``write_run(db_path, result)`` (atomic), ``read_table(db_path, name)``,
``export_table(db_path, name, fmt, out)``, ``info(db_path)``, ``TABLES``.
"""
from ._duckdb import TABLES, export_table, info, read_table, write_run

__all__ = ["TABLES", "export_table", "info", "read_table", "write_run"]
