"""``tablefuse ui`` starts ``streamlit run app/streamlit_app.py`` bound to 127.0.0.1."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tablefuse.cli import app

pytest.importorskip("streamlit", reason="pip install -e '.[app]'")


def test_ui_runs_streamlit_on_localhost(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[list[str], dict[str, str]]] = []

    def fake_call(cmd: list[str], env: dict[str, str]) -> int:
        calls.append((cmd, env))
        return 0

    monkeypatch.setattr(subprocess, "call", fake_call)
    res = CliRunner().invoke(app, ["ui", "--port", "8599", "--db", str(tmp_path / "s.duckdb"),
                                   "--max-upload-mb", "7"])
    assert res.exit_code == 0, res.output
    (cmd, env), = calls
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app/streamlit_app.py")
    assert Path(cmd[4]).is_file()
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert cmd[cmd.index("--server.port") + 1] == "8599"
    assert cmd[cmd.index("--server.maxUploadSize") + 1] == "7"
    assert env["TABLEFUSE_APP_DB"] == str(tmp_path / "s.duckdb")
    assert env["TABLEFUSE_APP_MAX_UPLOAD_MB"] == "7"
