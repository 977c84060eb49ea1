"""End to end: the real app (``streamlit run app.py``) in headless Chromium, driven by Selenium.

Upload a real PDF, wait for the findings, confirm one, reload the page, see the decision
kept; a screenshot of each step is saved in the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PDF = REPO.parent / "shared" / "data" / "pdf" / "text" / "49-2026-ND-CP.pdf"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
CHROME_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1500,1300", "--lang=vi"]

pytestmark = [
    pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                       reason="chromium / chromedriver not installed (apt-get install chromium chromium-driver; "
                              "`make test` installs them)"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_app(data_dir: Path, log_path: Path):
    """``streamlit run app.py`` on a free localhost port; yields its URL."""
    port = free_port()
    env = dict(os.environ, SCREENER_DATA_DIR=str(data_dir), STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"streamlit did not start; log:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def chromium(profile: Path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in CHROME_FLAGS + [f"--user-data-dir={profile}"]:
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, timeout=90, what=""):
    from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                            TimeoutException)
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        # the page re-renders under us: a vanished element just means "not yet"
        return WebDriverWait(driver, timeout, poll_frequency=0.3, ignored_exceptions=(
            NoSuchElementException, StaleElementReferenceException, IndexError)).until(condition)
    except TimeoutException:
        raise AssertionError(f"timed out waiting for {what}; page text:\n{_body(driver)[:3000]}") from None


def _body(driver) -> str:
    from selenium.webdriver.common.by import By

    try:
        return driver.find_element(By.TAG_NAME, "body").text
    except Exception:  # noqa: BLE001
        return ""


def _idle(driver, timeout=90):
    """Wait until the app has finished running the script (no "Running…" status widget)."""
    from selenium.webdriver.common.by import By

    time.sleep(0.5)
    _wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'),
          timeout, "the app to finish running")


def _click_text(driver, css: str, text: str, timeout=60):
    from selenium.webdriver.common.by import By

    def find(d):
        for el in d.find_elements(By.CSS_SELECTOR, css):
            if text in el.text and el.is_displayed():
                return el
        return False

    el = _wait(driver, find, timeout, f"{css} with text {text!r}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
    el.click()
    return el


def test_upload_confirm_reload_keeps_decision(tmp_path):
    if not PDF.exists():
        pytest.skip(f"{PDF} is not present (the shared data folder ../shared is absent)")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    shots = tmp_path / "screenshots"
    shots.mkdir()
    with running_app(tmp_path / "data", tmp_path / "streamlit.log") as url, chromium(tmp_path / "profile") as driver:
        driver.get(url)
        # the bundled sample opens first
        _wait(driver, lambda d: "dự thảo mẫu" in _body(d), what="the sample draft")
        _idle(driver)
        name = _wait(driver, lambda d: d.find_element(By.CSS_SELECTOR, 'input[aria-label="Người rà soát"]'),
                     what="the reviewer field")
        name.send_keys("Nguyễn Thị Lan", Keys.ENTER)
        _idle(driver)

        upload = driver.find_element(By.CSS_SELECTOR, 'input[type="file"]')
        upload.send_keys(str(PDF))
        _wait(driver, lambda d: all(t in _body(d) for t in ("Nghị quyết số 254/2025/QH15", "49/2026/NĐ-CP",
                                                             "Bản đồ rủi ro", "Xem ➜")),
              what="the uploaded decree's overview")
        _idle(driver)
        driver.save_screenshot(str(shots / "1_overview.png"))

        _click_text(driver, '[data-testid="stSidebar"] label', "Phát hiện")
        _wait(driver, lambda d: "Hiển thị" in _body(d) and "phát hiện, xếp theo điểm" in _body(d),
              what="the findings list")
        _idle(driver)
        card = _wait(driver, lambda d: next((c for c in d.find_elements(By.CSS_SELECTOR, '[class*="st-key-card-"]')
                                             if "(trang" in (c.text.splitlines() or [""])[0]), False),
                     what="the first card")
        citation = card.text.splitlines()[0].split(")")[0]  # "1. điểm b khoản 1 Điều 10 (trang 10"
        card_class = next(c for c in card.get_attribute("class").split() if c.startswith("st-key-card-"))
        assert "Chưa xem xét" in card.text
        confirm = next(b for b in card.find_elements(By.TAG_NAME, "button") if "Xác nhận" in b.text)
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", confirm)
        confirm.click()
        _wait(driver, lambda d: "Đã ghi: xác nhận" in _body(d), what="the decision to be stored")
        _idle(driver)
        _wait(driver, lambda d: "Đã xác nhận" in d.find_element(By.CSS_SELECTOR, f".{card_class}").text,
              what="the finding marked as confirmed")
        driver.save_screenshot(str(shots / "2_confirmed.png"))

        # a new session: the URL keeps the page and the document; the store keeps the decision
        assert "doc=" in driver.current_url and "page=phat-hien" in driver.current_url
        driver.refresh()

        def kept(d):
            cards = d.find_elements(By.CSS_SELECTOR, f".{card_class}")
            text = cards[0].text if cards else ""
            return cards[0] if (text.startswith(citation) and "Đã xác nhận" in text
                                and "Nguyễn Thị Lan" in text) else False

        _wait(driver, kept, what="the confirmed finding after reload")
        _idle(driver)
        card = _wait(driver, kept, what="the confirmed finding after reload")
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'});", card)
        driver.save_screenshot(str(shots / "3_after_reload.png"))

        # the full document view shows the highlights and the legend
        _click_text(driver, '[data-testid="stSidebar"] label', "Toàn văn")
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "mark"), what="highlighted text")
        _idle(driver)
        driver.save_screenshot(str(shots / "4_document.png"))

    from screener.review import ReviewStore

    [d] = ReviewStore(tmp_path / "data" / "reviews.sqlite3").decisions()
    assert d.action == "confirm" and d.reviewer == "Nguyễn Thị Lan" and d.model_version
    for png in shots.iterdir():
        assert png.stat().st_size > 10_000
    print(f"screenshots: {shots}")
