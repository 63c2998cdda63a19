"""The real-browser harness the ``browser`` tests share: ``streamlit run`` on 127.0.0.1 (fixture
``server``), Debian's headless Chromium driven by selenium (fixture ``browser``), and ``Page``,
small waits around a Streamlit page.

Importing it skips the importing test module when Chromium, chromedriver, streamlit or selenium
is missing (``.ci/run`` installs Debian's ``chromium`` and ``chromium-driver``). A test module
imports the fixtures by their function names (``browser_fixture, server_fixture``) and selenium's
names from here, so nothing of selenium is imported before the skip.
"""
from __future__ import annotations

import contextlib
import os
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


@pytest.fixture(name="server")
def server_fixture(tmp_path: Path) -> Iterator[str]:
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


@pytest.fixture(name="browser")
def browser_fixture(tmp_path: Path) -> Iterator[webdriver.Chrome]:
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
        def lines(b: WebElement) -> list[str]:
            # a material icon draws as its name on a line above, a keyboard shortcut below
            return [line.strip() for line in b.text.strip().splitlines()]

        found: WebElement = self.wait(lambda d: next((b for b in d.find_elements(By.TAG_NAME, "button")
                                                      if text in lines(b) and b.is_displayed()), None),
                                      30, f"button {text!r}")  # type: ignore[assignment]
        # centred, so the fixed toolbar cannot cover it (a long page keeps the scroll of the last one)
        self.d.execute_script("arguments[0].scrollIntoView({block: 'center'})", found)
        return found

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

    def upload(self, paths: list[Path]) -> None:
        """Send ``paths`` to the (current) file uploader at once, as a multi-file pick does."""
        uploader = self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "input[type='file']"), 60,
                             "the file input")
        uploader.send_keys("\n".join(str(p) for p in paths))  # type: ignore[union-attr]
        time.sleep(0.5)
        self.idle()

    def multiselect(self, label: str, option: str | None = None) -> str:
        """Add ``option`` (None: the first offered) to the multiselect labelled ``label``: type
        it, then Enter. Returns the option added."""
        box = self.wait(lambda d: d.find_element(
            By.XPATH, f"//div[@data-testid='stMultiSelect'][.//p[text()='{label}']]//input"),
            30, f"multiselect {label!r}")
        box.click()  # type: ignore[union-attr]
        offered = self.wait(lambda d: d.find_elements(By.XPATH, "//*[@role='option']"), 10,
                            f"options of {label!r}")
        if option is None:  # Streamlit offers "Select all" first
            option = next(o.text.strip() for o in offered  # type: ignore[union-attr]
                          if o.text.strip() and o.text.strip() != "Select all")
        box.send_keys(option)  # type: ignore[union-attr]
        time.sleep(0.3)
        box.send_keys(Keys.ENTER)  # type: ignore[union-attr]
        self.idle()
        chosen = self.d.find_element(
            By.XPATH, f"//div[@data-testid='stMultiSelect'][.//p[text()='{label}']]").text
        assert option in chosen, f"{label!r} shows {chosen!r}, not {option!r}"
        return option

    def uploader_text(self) -> str:
        """What the file uploader shows (its list of picked files included)."""
        return self.d.find_element(By.CSS_SELECTOR, "[data-testid='stFileUploader']").text

    def sidebar(self) -> str:
        return self.d.find_element(By.CSS_SELECTOR, "section[data-testid='stSidebar']").text


def export_screenshots(shots: Path) -> None:
    """Copy a test's screenshots to ``TABLEFUSE_SCREENSHOTS_DIR`` when set (docs/screenshots)."""
    import shutil

    out = os.environ.get("TABLEFUSE_SCREENSHOTS_DIR")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        for png in shots.glob("*.png"):
            if png.name != "failure.png":
                shutil.copyfile(png, Path(out) / png.name)


def session_lake(tmp_path: Path) -> Path:
    """The lake folder of the one browser session the ``server`` fixture's app has made."""
    lakes = sorted((tmp_path / "work").glob("session-*/lake"))
    assert len(lakes) == 1, f"expected one session, found {lakes}"
    return lakes[0]
