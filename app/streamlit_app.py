"""tablefuse in the browser: `tablefuse ui` or `streamlit run app/streamlit_app.py`.

The app is a client of the library API (``tablefuse.integrate``, ``tablefuse.store``); its logic
lives in ``tablefuse_app`` so it can be tested without a browser.
"""
from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:  # `streamlit run` adds it; AppTest and other runners may not
    sys.path.insert(0, HERE)

from tablefuse_app.pages import main  # noqa: E402

st.set_page_config(page_title="tablefuse", page_icon="🧩", layout="wide")
main()
