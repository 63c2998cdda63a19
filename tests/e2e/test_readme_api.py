"""The README's "Python API" examples run as written (doctest, from the repository root)."""
from __future__ import annotations

import doctest
import os

from tests.conftest import REPO


def test_readme_python_api_examples_run(monkeypatch):
    monkeypatch.chdir(REPO)
    os.environ.pop("TABLEFUSE_LLM_BASE_URL", None)
    result = doctest.testfile(str(REPO / "README.md"), module_relative=False,
                              optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted >= 10
    assert result.failed == 0
