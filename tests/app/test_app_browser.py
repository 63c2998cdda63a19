"""End to end in a real browser: upload the example lake, integrate, override a conflict, download
the golden table and check the override is in it. Saves a screenshot of every page.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and skips with a
message without them. Set ``TABLEFUSE_SCREENSHOTS_DIR=docs/screenshots`` to refresh the README's
screenshots.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP_SCRIPT = REPO / "app" / "streamlit_app.py"
EXAMPLE_LAKE = REPO / "examples" / "lake"

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
OVERRIDE = "TF Browser Override 42"

pytestmark = pytest.mark.browser

if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
    pytest.skip(f"browser test needs {CHROMIUM} and {CHROMEDRIVER}: "
                "apt-get install -y chromium chromium-driver (.ci/run does)",
                allow_module_level=True)
pytest.importorskip("streamlit", reason="pip install -e '.[app]'")
pytest.importorskip("selenium", reason="pip install -e '.[app]'")

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """``streamlit run`` on 127.0.0.1, sessions kept under the test's folder."""
    port = _free_port()
    env = {**os.environ, "TABLEFUSE_APP_WORKDIR": str(tmp_path / "work"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(APP_SCRIPT), "--server.address",
         "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
         "--client.toolbarMode", "viewer"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n"
                            + (tmp_path / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                f"--user-data-dir={tmp_path / 'chrome-profile'}", "--window-size=1440,1300"):
        opts.add_argument(arg)
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(str(CHROMEDRIVER)))
    try:
        driver.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": str(downloads)})
        yield driver
    finally:
        driver.quit()


class Page:
    """Small waits around a Streamlit page: it draws after load, and again after every action."""

    def __init__(self, driver: webdriver.Chrome, shots: Path) -> None:
        self.d = driver
        self.shots = shots
        self.t0 = time.monotonic()

    def wait(self, cond: Callable[[webdriver.Chrome], object], timeout: float = 30,
             what: str = "") -> object:
        try:
            return WebDriverWait(self.d, timeout, poll_frequency=0.25,
                                 ignored_exceptions=(WebDriverException,)).until(cond)
        except Exception as exc:
            self.d.save_screenshot(str(self.shots / "failure.png"))
            raise AssertionError(f"timed out waiting for {what}; page says:\n"
                                 f"{self.body()[:3000]}") from exc

    def body(self) -> str:
        try:
            return self.d.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def idle(self, timeout: float = 60) -> None:
        """Until the script run ends (Streamlit marks the app ``notRunning``)."""
        time.sleep(0.3)
        self.wait(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stApp"]')
                  .get_attribute("data-test-script-state") != "running", timeout, "the app idle")

    def text(self, text: str, timeout: float = 30) -> None:
        self.wait(lambda d: text in self.body(), timeout, repr(text))

    def go(self, page: str) -> None:
        label = self.d.find_element(
            By.XPATH, f"//section[@data-testid='stSidebar']//label[.//p[text()='{page}']]")
        label.click()
        self.idle()

    def button(self, text: str) -> WebElement:
        return self.wait(lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button")
                                         if b.text.strip() == text and b.is_displayed()), None),
                         30, f"button {text!r}")  # type: ignore[return-value]

    def select(self, label: str, option: str) -> None:
        """Pick ``option`` in the select box labelled ``label`` (type it, then Enter)."""
        box = self.wait(lambda d: d.find_element(
            By.XPATH, f"//div[@data-testid='stSelectbox'][.//p[text()='{label}']]//input"),
            30, f"select box {label!r}")
        box.click()  # type: ignore[union-attr]
        box.send_keys(Keys.CONTROL, "a")  # type: ignore[union-attr]
        box.send_keys(option)  # type: ignore[union-attr]
        self.wait(lambda d: d.find_elements(By.XPATH, "//*[@role='option']"), 10,
                  f"options of {label!r}")
        box.send_keys(Keys.ENTER)  # type: ignore[union-attr]
        self.idle()
        chosen = self.d.find_element(
            By.XPATH, f"//div[@data-testid='stSelectbox'][.//p[text()='{label}']]//input"
        ).get_attribute("value") or ""
        assert option in chosen, f"{label!r} shows {chosen!r}, not {option!r}"

    def mark(self, what: str) -> None:
        print(f"{time.monotonic() - self.t0:6.1f}s {what}")

    def shot(self, name: str, scroll_to: str | None = None) -> Path:
        """Save ``name.png``; ``scroll_to``: a heading to bring to the top first."""
        path = self.shots / f"{name}.png"
        if scroll_to is not None:
            heading = self.d.find_element(By.XPATH, f"//h3[contains(., '{scroll_to}')]")
            self.d.execute_script("arguments[0].scrollIntoView({block: 'start'})", heading)
        time.sleep(0.5)  # charts animate in
        self.d.save_screenshot(str(path))
        self.mark(name)
        return path


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

    import polars as pl

    golden = pl.read_csv(target, infer_schema_length=0)
    assert golden.columns[0] == "set_id"
    row = golden.filter(pl.col("set_id") == str(set_id))
    assert row.height == 1
    assert row[attribute][0] == OVERRIDE
    assert (golden.drop("set_id") == OVERRIDE).sum_horizontal().sum() == 1  # only that cell

    out = os.environ.get("TABLEFUSE_SCREENSHOTS_DIR")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            if png.name != "failure.png":
                shutil.copyfile(png, Path(out) / png.name)
