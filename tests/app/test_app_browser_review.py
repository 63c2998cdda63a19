"""Issue 19 in a real browser: Align flags doubtful mappings and catches a typo before it makes
a new attribute; Explore names the graph's tuples and explains a pair (evidence waterfall); the
Pairs page labels pairs (buttons and keyboard), the labels change the decided sets at once and,
after a re-run, the run's own judged pairs and sets; Conflicts and undo pickers name entities.
Screenshots of every page (``TABLEFUSE_SCREENSHOTS_DIR`` copies them, e.g. to docs/screenshots).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import polars as pl
import pytest
from browser_harness import (  # noqa: F401 - the fixtures
    By,
    Keys,
    Page,
    browser_fixture,
    export_screenshots,
    server_fixture,
    session_lake,
    webdriver,
)

from tablefuse import store
from tablefuse.pipeline import read_table

pytestmark = pytest.mark.browser


def _edit_cell(browser: webdriver.Chrome, row: int, column_centre_x: float, text: str) -> None:
    """Type ``text`` into the data editor's cell (row ``row``; the grid draws on a canvas)."""
    from selenium.webdriver.common.action_chains import ActionChains

    canvas = browser.find_element(By.CSS_SELECTOR, "[data-testid='stDataFrame'] canvas, "
                                                   "[data-testid='stDataFrameResizable'] canvas")
    r = canvas.rect
    header, height = 35, 35
    y = r["y"] + header + height * row + height / 2
    (ActionChains(browser)
     .move_to_element_with_offset(canvas, int(column_centre_x - (r["x"] + r["width"] / 2)),
                                  int(y - (r["y"] + r["height"] / 2)))
     .double_click().perform())
    time.sleep(0.8)
    editor = browser.switch_to.active_element
    assert editor.tag_name == "textarea", "the cell editor did not open"
    ActionChains(browser).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(text).perform()
    time.sleep(0.5)
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    time.sleep(1.0)


def _shown(browser: webdriver.Chrome, label: str) -> str:
    """What the select box labelled ``label`` shows."""
    box = browser.find_element(By.XPATH, f"//div[@data-testid='stSelectbox'][.//p[text()='{label}']]")
    inputs = box.find_elements(By.TAG_NAME, "input")
    return (inputs[0].get_attribute("value") if inputs else "") or box.text


def _pair_on_screen(page: Page) -> tuple[int, int]:
    m = re.search(r"Tuple (\d+) vs tuple (\d+)", page.body())
    assert m, page.body()[:2000]
    return int(m[1]), int(m[2])


def _set_of(db: Path, raw: bool = False) -> dict[int, int]:
    frame = store.read_table(db, "membership", raw=True) if raw else read_table(db, "membership")
    return dict(frame.select("tid", "set_id").iter_rows())


def test_align_flags_explore_explains_pairs_labels_teach_the_judge(
        server: str, browser: webdriver.Chrome, tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    browser.get(server)
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "input[type='file']"), 60, "the app")
    page.idle()
    page.button("Use the bundled example lake").click()
    page.text("6 files · 6 readable · 0 with errors")
    page.shot("upload")
    lake = session_lake(tmp_path)
    db = lake.parent / "tablefuse.duckdb"

    # Align: doubtful mappings are flagged; a typo is caught, not saved as a new attribute
    page.go("Align")
    page.text("unified attributes", 90)
    page.wait(lambda d: re.search(r"\d+ mappings? below confidence 0\.7", page.body()), 30,
              "the low-confidence flag")
    assert "⚠ review" in page.body()
    page.shot("align")
    canvas = browser.find_element(By.CSS_SELECTOR, "[data-testid='stDataFrame'] canvas, "
                                                   "[data-testid='stDataFrameResizable'] canvas")
    # the attribute column: third of seven, right of source (≈ 0.27 of the width) and source_column
    x = canvas.rect["x"] + canvas.rect["width"] * 0.478
    _edit_cell(browser, 6, x, "phnoe")  # row 7: restaurants.csv phone → "phnoe"
    page.text("did you mean phone?", 30)
    page.button("Save mapping").click()
    page.text("Not saved: confirm the new attributes", 30)
    assert not (lake.parent / "mapping.csv").exists()
    browser.refresh()  # leave the typo behind (the reload keeps the workspace)
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']"), 60, "reload")
    page.idle()

    # Integrate (fast judge), Explore: named nodes, and why a pair matched
    page.go("Integrate")
    page.select("Judge (pair scoring)", "similarity")
    page.button("Run integration").click()
    page.text("Integration finished", 180)
    page.idle()
    page.shot("integrate")
    first_run = store.info(db)["run_id"]
    page.go("Explore")
    page.text("tuples side by side", 60)
    page.text("Why did these match?", 60)
    page.text("Fellegi–Sunter P(match)", 60)
    page.wait(lambda d: len(d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']")) >= 2,
              30, "the graph and the evidence waterfall")
    page.shot("explore", scroll_to="Tuple graph")

    # Pairs: the least certain pair first; label with the keyboard, then with a button
    page.go("Pairs")
    page.text("Pair 1 of", 60)
    page.text("weight (bits)", 30)
    a, b = _pair_on_screen(page)
    page.shot("pairs")
    browser.execute_script("document.activeElement && document.activeElement.blur()")  # keys go to the page
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys("n").perform()
    page.text(f"Labelled tuples {a} and {b}: no match.", 30)
    page.idle()
    c, d = _pair_on_screen(page)
    assert (c, d) != (a, b)  # the next pair
    page.button("Match").click()
    page.text(f"Labelled tuples {c} and {d}: match.", 30)
    page.idle()
    page.text("2 labels: 1 match, 1 no match, 0 unsure")
    labels = store.pair_labels(db)
    assert sorted(labels.select("label", "tid_a", "tid_b").rows()) == sorted(
        [("no_match", a, b), ("match", c, d)])
    decided = _set_of(db)  # applied at once on the decided sets
    assert decided[a] != decided[b] and decided[c] == decided[d]

    # re-run with the labels: the judge uses them, the run's own output honours them
    page.button("Re-run with the 2 labels").click()
    page.text("Re-running with the labels", 30)
    page.wait(lambda d: store.info(db)["run_id"] != first_run and "A run is in progress" not in page.body()
              and "Integrating…" not in page.body(), 300, "the re-run to end")
    page.idle()
    raw = _set_of(db, raw=True)
    assert raw[a] != raw[b] and raw[c] == raw[d], "the re-run's own sets ignore the labels"
    pairs = store.read_table(db, "pairs")
    scored = {(min(x, y), max(x, y)): (s, k) for x, y, s, k in
              pairs.select("tid_a", "tid_b", "score", "integrable").iter_rows()}
    assert scored[(min(a, b), max(a, b))][1] is False
    assert scored[(min(c, d), max(c, d))][1] is True
    assert store.pair_labels(db).height == 2  # labels survive the re-run

    # Conflicts: the picker and the undo picker name entities, not numbers and hex ids
    page.go("Conflicts")
    page.text("Decide", 60)
    picker = _shown(browser, "Conflict")
    assert re.search(r".+ \(set \d+\) · \w+", picker), picker
    page.shot("conflicts")
    undo = _shown(browser, "Decision to undo")
    assert re.search(r"(must link|cannot link)", undo) and not re.search(r"\b[0-9a-f]{12,}\b", undo), undo

    page.go("Export")
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"), 30, "the charts")
    page.shot("export")
    golden = read_table(db, "integrated")
    assert golden.height == len(set(_set_of(db).values()))
    assert pl.Series(list(_set_of(db).values())).n_unique() == golden.height

    export_screenshots(shots)
