"""``import tablefuse`` must stay cheap: heavy libraries load only when a stage needs them."""
from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "transformers", "igraph", "streamlit", "ray", "duckdb")


def test_import_tablefuse_loads_no_heavy_library():
    code = ("import sys, tablefuse, tablefuse.config, tablefuse.errors; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_stage_registries_load_no_torch():
    code = ("import sys, tablefuse.block, tablefuse.judge, tablefuse.discover, tablefuse.resolve; "
            "print('torch' in sys.modules, 'transformers' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
