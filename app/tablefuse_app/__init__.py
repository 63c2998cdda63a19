"""The tablefuse Streamlit app's logic, importable and testable without a browser.

Each module holds one page's logic as plain functions over polars frames and the library's public
API (``tablefuse.integrate``, ``tablefuse.store``, ``tablefuse.ingest.read_table``,
``tablefuse.align``); ``pages/`` only draws widgets around them.
"""
