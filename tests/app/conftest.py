"""App tests: the app's logic package (``app/tablefuse_app``) importable, a run store to read."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from tablefuse.config import TablefuseConfig

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "app"
APP_SCRIPT = APP_DIR / "streamlit_app.py"

if str(APP_DIR) not in sys.path:
    sys.path.insert(0, str(APP_DIR))


def _fast_config() -> TablefuseConfig:
    """The pipeline defaults with the fast similarity judge: these tests need a run, quickly."""
    return TablefuseConfig().with_overrides(judge={"method": "similarity"})


TINY_A = ("name,phone,city\nBlue Door Cafe,555-0101,Springfield\nRed Lantern Noodles,555-0202,"
          "Shelbyville\nGreen Fork Bistro,555-0303,Capital City\nOld Mill Bakery,555-0404,Ogdenville\n")
TINY_B = ("name;phone;city\nBlue Door Cafe;555-0101;Springfeld\nRed Lantern Noodles;555-0299;"
          "Shelbyville\nGreen Fork Bistro;555-0303;Capital City\nHarbor Fish House;555-0505;"
          "North Haverbrook\n")


def write_tiny_lake(lake: Path) -> Path:
    """Two small sources describing mostly the same restaurants, with a few disagreements."""
    lake.mkdir(parents=True, exist_ok=True)
    (lake / "a.csv").write_text(TINY_A, encoding="utf-8")
    (lake / "b.csv").write_text(TINY_B, encoding="utf-8")
    return lake


@pytest.fixture(scope="session")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tiny_lake(tmp_path_factory.mktemp("tiny") / "lake")


@pytest.fixture(scope="session")
def run_db(tiny_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of the tiny lake, written once per test session (copy it before changing)."""
    import tablefuse

    db = tmp_path_factory.mktemp("store") / "tiny.duckdb"
    tablefuse.integrate(tiny_lake, _fast_config(), db_path=db)
    return db


@pytest.fixture
def fast_config() -> TablefuseConfig:
    return _fast_config()


@pytest.fixture
def db_copy(run_db: Path, tmp_path: Path) -> Path:
    """A private copy of ``run_db`` that a test may write decisions to."""
    dst = tmp_path / "store.duckdb"
    shutil.copyfile(run_db, dst)
    return dst


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    """A session folder whose lake holds the tiny lake (as if uploaded)."""
    write_tiny_lake(tmp_path / "session" / "lake")
    return tmp_path / "session"
