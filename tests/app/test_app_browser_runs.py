"""Issue 19 #1 and #2 in a real browser: a run outlives the page and the reload, and a reload,
a bare link or a link naming a store reopens the user's workspace or that store.

Skips without Chromium (see ``browser_harness``).
"""
from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest
from browser_harness import (  # noqa: F401 - the fixtures
    By,
    Page,
    browser_fixture,
    server_fixture,
    session_lake,
    webdriver,
)

from tablefuse import store

pytestmark = pytest.mark.browser


def _open(browser: webdriver.Chrome, url: str, tmp_path: Path) -> Page:
    shots = tmp_path / "screenshots"
    shots.mkdir(exist_ok=True)
    page = Page(browser, shots)
    browser.get(url)
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']"), 60,
              "the app")
    page.idle()
    return page


def _query(browser: webdriver.Chrome) -> dict[str, str]:
    return {k: v[0] for k, v in urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query).items()}


def test_a_run_survives_a_page_switch_and_a_reload_and_the_workspace_reopens(
        server: str, browser: webdriver.Chrome, tmp_path: Path, run_db: Path) -> None:
    page = _open(browser, server, tmp_path)
    page.button("Use the bundled example lake").click()
    page.text("6 files · 6 readable · 0 with errors")
    lake = session_lake(tmp_path)
    db = lake.parent / "tablefuse.duckdb"
    workspace = _query(browser).get("ws")
    assert workspace == lake.parent.name, browser.current_url  # the workspace is in the URL

    page.go("Integrate")
    page.button("Run integration").click()  # the defaults: SSACL trains for a while
    page.text("Integrating…", 60)
    page.go("Explore")  # leaving the page used to kill the run
    page.text("A run is in progress", 30)
    assert _query(browser).get("page") == "Explore"
    browser.refresh()  # and so did a reload
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']"), 60,
              "the app after the reload")
    page.text("A run is in progress", 30)  # reattached: same workspace, same page, same run
    assert _query(browser) == {"ws": workspace, "page": "Explore"}, browser.current_url
    assert not db.exists() or "runs" not in store.list_tables(db)  # not written before it ends

    page.wait(lambda d: "A run is in progress" not in page.body(), 400, "the run to end")
    page.idle()
    info = store.info(db)  # the worker wrote the store
    assert info["tuples"] == 337 and info["sets"] > 0, info
    assert "No integration yet" not in page.body()  # Explore reads the new store by itself
    page.go("Integrate")
    page.text("Integration finished")
    page.text(f"Run {info['run_id']}:")
    page.shot("integrate")

    browser.get(server)  # a bare link (a new browser session): the last workspace reopens
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']"), 60,
              "the app from a bare link")
    page.idle()
    assert _query(browser).get("ws") == workspace, browser.current_url
    page.go("Integrate")
    page.text("6 files in this session's lake")
    page.text(f"Run {info['run_id']}:")  # the finished run's story is on disk, not in a session
    page.go("Upload")
    page.text("Workspaces")
    page.text(f"{workspace} · ")
    assert "337 rows → " in page.body()

    browser.get(f"{server}/?{urllib.parse.urlencode({'db': str(run_db), 'page': 'Explore'})}")
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']"), 60,
              "the app from a store link")
    page.idle()
    assert str(run_db) in page.sidebar(), page.sidebar()  # the link's store is the one shown
    assert "No integration yet" not in page.body()
