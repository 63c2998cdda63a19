"""End to end in a real browser: upload the example lake, integrate, override a conflict, download
the golden table and check the override is in it. Saves a screenshot of every page.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and skips with a
message without them. Set ``TABLEFUSE_SCREENSHOTS_DIR=docs/screenshots`` to refresh the README's
screenshots.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import (  # noqa: F401 - the fixtures
    EXAMPLE_LAKE,
    By,
    Keys,
    Page,
    browser_fixture,
    export_screenshots,
    server_fixture,
    webdriver,
)

pytestmark = pytest.mark.browser
OVERRIDE = "TF Browser Override 42"


def test_upload_integrate_override_download(server: str, browser: webdriver.Chrome,
                                            tmp_path: Path) -> None:
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = Page(browser, shots)
    browser.get(server)

    # 1. upload every file of the example lake at once
    files = sorted(p for p in EXAMPLE_LAKE.rglob("*") if p.is_file())
    uploader = page.wait(lambda d: d.find_element(By.CSS_SELECTOR, "input[type='file']"), 60,
                         "the file input")
    uploader.send_keys("\n".join(str(p) for p in files))  # type: ignore[union-attr]
    page.text(f"{len(files)} files · {len(files)} readable · 0 with errors", 60)
    page.idle()
    page.text("delimiter semicolon (;), encoding latin-1")  # the sniffed health/inspections.csv
    browser.find_element(By.XPATH, "//details//summary[.//p[contains(., 'inspections.csv')]]").click()
    page.text("Detected types and null counts")
    page.shot("upload")

    # 2. the proposed mapping, saved as is
    page.go("Align")
    page.text("unified attributes", 60)
    page.button("Save mapping").click()
    page.text("Saved the mapping", 60)
    page.idle()
    page.shot("align")

    # 3. integrate with the fast judge, watching the stages report
    page.go("Integrate")
    page.select("Judge (pair scoring)", "similarity")
    page.button("Run integration").click()
    page.text("✓ ingest", 60)
    page.text("Integration finished", 120)
    page.text("✓ store")
    page.idle()
    page.shot("integrate")

    # 4. the largest set side by side and its graph
    page.go("Explore")
    page.text("tuples side by side", 60)
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart'] canvas, "
                                                         "[data-testid='stVegaLiteChart'] svg"),
              30, "the tuple graph")
    page.shot("explore", scroll_to="tuples side by side")

    # 5. override the first conflict with a typed value
    page.go("Conflicts")
    page.text("Golden value", 60)
    browser.find_element(By.XPATH, "//div[@data-testid='stRadio']//label[.//p[contains(., "
                                   "'type another value')]]").click()
    page.idle()
    typed = browser.find_element(
        By.XPATH, "//div[@data-testid='stTextInput'][.//p[contains(., 'Your value')]]//input")
    typed.send_keys(OVERRIDE, Keys.ENTER)
    page.idle()
    page.button("Save override").click()
    page.text(f"is now '{OVERRIDE}'", 30)
    page.idle()
    message = next(line for line in page.body().splitlines() if f"is now '{OVERRIDE}'" in line)
    where = message.split(" is now ")[0]  # "set 3 · phone"
    set_id, attribute = int(where.split(" · ")[0].removeprefix("set ")), where.split(" · ")[1]
    page.text("Decisions (1)")
    page.shot("conflicts", scroll_to="Decide")

    # 6. download the golden table: the override is in it
    page.go("Export")
    page.button("Download golden.csv").click()
    target = tmp_path / "downloads" / "golden.csv"
    page.wait(lambda d: target.is_file() and target.stat().st_size > 0, 30, "the download")
    page.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid='stVegaLiteChart']"), 30,
              "the charts")
    page.shot("export")
    # the run's HTML report (the library's, as `tablefuse report` writes it) downloads too
    page.button("Download the HTML report").click()
    report = tmp_path / "downloads" / "run.html"
    page.wait(lambda d: report.is_file() and report.stat().st_size > 0, 30, "the report download")
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>") and html.count("<svg") == 4 and "http" not in html

    import polars as pl

    golden = pl.read_csv(target, infer_schema_length=0)
    assert golden.columns[0] == "set_id"
    row = golden.filter(pl.col("set_id") == str(set_id))
    assert row.height == 1
    assert row[attribute][0] == OVERRIDE
    assert (golden.drop("set_id") == OVERRIDE).sum_horizontal().sum() == 1  # only that cell

    export_screenshots(shots)
