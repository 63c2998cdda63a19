"""Store: the DuckDB contract. Only this package knows table names and DDL.

Public: ``write_run(db_path, result, version)`` (atomic), ``read_table(db_path, name)``,
``export_table(db_path, name, fmt, out)``, ``info(db_path)``, ``list_tables(db_path)``,
``TABLES`` (the contract tables, in order) and ``PRESERVED_TABLES`` (tables a run carries over
untouched, such as user ``decisions``).
"""
from ._duckdb import PRESERVED_TABLES, TABLES, export_table, info, list_tables, read_table, write_run

__all__ = ["PRESERVED_TABLES", "TABLES", "export_table", "info", "list_tables", "read_table",
           "write_run"]
