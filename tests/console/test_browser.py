"""The console in a real browser: headless Chromium against the real HTTPS server.

Debian's `chromium` and `chromium-driver` (tests/prepare.sh installs them under CI), driven
by Selenium with both paths given, so Selenium Manager never runs and nothing is
downloaded. One browser for the whole module; a screenshot of every page is written to
the artifacts dir (`test-artifacts/console/`, or `$ONTAP_IPSEC_TEST_ARTIFACTS/console/`).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.certs import make_ca, pem
from tests.requirements import need, require, require_executable
from tests.server.process import EXECUTABLE, Server, run_server

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
INSTALL = "apt-get install chromium chromium-driver (tests/prepare.sh does under CI=true)"
ADMIN_PASSWORD = "browser-admin-pw"
VIEWER = ("viewer", "viewer-pw")
ARTIFACTS = Path(
    os.environ.get("ONTAP_IPSEC_TEST_ARTIFACTS")
    or Path(__file__).resolve().parents[2] / "test-artifacts"
)
WAIT = 10.0

webdriver = require("selenium.webdriver", "the test extra installs selenium")
require_executable(CHROMIUM, INSTALL)
require_executable(CHROMEDRIVER, INSTALL)
need(Path(CHROMIUM).is_file(), f"{CHROMIUM} is not a file: {INSTALL}")

from selenium.common.exceptions import NoSuchElementException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.common.selenium_manager import SeleniumManager  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# The steps below build on each other in one browser session, in order: the Makefile runs
# the suite with --dist loadfile, so that under xdist a file's tests stay on one worker.


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("console-browser") / "data"
    with run_server(
        data,
        admin_password=ADMIN_PASSWORD,
        extra_args=("--workers", "2", "--access-log"),
        log_level="info",
    ) as srv:
        env = {**os.environ, "ONTAP_IPSEC_NEW_PASSWORD": VIEWER[1]}
        subprocess.run(
            [str(EXECUTABLE), "passwd", VIEWER[0], "--role", "readonly", "--data-dir", str(data)],
            env=env,
            check=True,
            capture_output=True,
            timeout=60,
        )
        yield srv


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[WebDriver]:
    def no_manager(*_a: Any, **_k: Any) -> Any:
        raise AssertionError("Selenium Manager must not run: it would download a driver")

    original = SeleniumManager.binary_paths
    SeleniumManager.binary_paths = no_manager  # type: ignore[method-assign]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1280,900",
        "--lang=en-US",
    ):
        options.add_argument(arg)
    options.accept_insecure_certs = True  # the server's self-signed certificate
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        SeleniumManager.binary_paths = original  # type: ignore[method-assign]


def shot(driver: WebDriver, name: str) -> Path:
    """A full-page screenshot, test-artifacts/console/<name>.png."""
    folder = ARTIFACTS / "console"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    width = driver.execute_script("return window.innerWidth")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(int(height), 4000), "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        driver.save_screenshot(str(path))
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    return path


def go(driver: WebDriver, server: Server, path: str) -> None:
    driver.get(server.base_url + path)


def submit(button: WebElement) -> None:
    """Click a submit button and wait for the next page."""
    old = button.find_element(By.XPATH, "/html")
    button.click()
    WebDriverWait(button.parent, WAIT).until(lambda d: _stale(old))


def _stale(element: WebElement) -> bool:
    try:
        element.is_enabled()
        return False
    except Exception:  # noqa: BLE001 - any error means the old page is gone
        return True


def sign_in(driver: WebDriver, server: Server, user: str, password: str) -> None:
    go(driver, server, "/login")
    driver.find_element(By.ID, "user").send_keys(user)
    driver.find_element(By.ID, "password").send_keys(password)
    submit(driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def sign_out(driver: WebDriver) -> None:
    submit(driver.find_element(By.CSS_SELECTOR, "form.account button"))


def alert_text(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "[role=alert]").text


def transferred(driver: WebDriver) -> int:
    """Bytes the browser fetched for this page: the document and every resource."""
    return int(
        driver.execute_script(
            "const [nav] = performance.getEntriesByType('navigation');"
            "return nav.transferSize + performance.getEntriesByType('resource')"
            ".reduce((total, r) => total + r.transferSize, 0);"
        )
    )


def unlabelled(driver: WebDriver) -> list[str]:
    """The visible form controls of the page with no label a screen reader would read."""
    return list(
        driver.execute_script(
            "return [...document.querySelectorAll('input,select,textarea')]"
            ".filter(e => e.type !== 'hidden' && e.labels.length === 0"
            " && !e.getAttribute('aria-label')).map(e => e.name || e.id);"
        )
    )


def test_admin_installs_lists_is_refused_removes_and_deletes(
    browser: WebDriver, server: Server, tmp_path: Path
) -> None:
    d = browser
    go(d, server, "/")
    assert d.current_url.endswith("/login?next=/")
    assert 0 < transferred(d) < 100_000  # the first page, with its stylesheet and script
    shot(d, "01-login")
    sign_in(d, server, "admin", ADMIN_PASSWORD)
    assert d.find_element(By.TAG_NAME, "h1").text == "Overview"
    assert "cluster1" in d.page_source
    shot(d, "02-overview")

    go(d, server, "/svms")
    d.find_element(By.CSS_SELECTOR, "details.panel summary").click()
    d.find_element(By.ID, "svm-name").send_keys("vs1")
    submit(d.find_element(By.CSS_SELECTOR, "form[action='/svms'] button"))
    assert "The SVM was created." in d.page_source
    assert unlabelled(d) == []
    shot(d, "03-svms")

    cert, _key = make_ca("p256", "Lab Upload CA", san={"dns": ["ca.lab.example"]})
    upload = tmp_path / "lab-ca.pem"
    upload.write_text(pem(cert))
    go(d, server, "/certificates")
    d.find_element(By.CSS_SELECTOR, "#install summary").click()
    Select(d.find_element(By.ID, "i-scope")).select_by_value("vs1")
    Select(d.find_element(By.ID, "i-type")).select_by_value("server_ca")
    d.find_element(By.ID, "i-name").send_keys("lab-ca")
    d.find_element(By.ID, "i-file").send_keys(str(upload))
    submit(d.find_element(By.CSS_SELECTOR, "form[action='/certificates/install'] button"))
    assert "The certificate was installed." in d.page_source
    assert unlabelled(d) == []
    shot(d, "04-certificates")

    d.find_element(By.LINK_TEXT, "lab-ca").click()
    WebDriverWait(d, WAIT).until(lambda drv: drv.find_element(By.TAG_NAME, "h1").text == "lab-ca")
    assert "CN=Lab Upload CA" in d.page_source
    assert "DNS: ca.lab.example" in d.page_source
    assert d.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed()  # console.js ran
    shot(d, "05-certificate")
    details_url = d.current_url

    go(d, server, "/ipsec?scope=vs1")
    Select(d.find_element(By.ID, "add-cert")).select_by_visible_text(
        "lab-ca (server_ca, Lab Upload CA)"
    )
    submit(d.find_element(By.CSS_SELECTOR, "form[action='/ipsec/add'] button"))
    assert "The CA certificate was added to IPsec." in d.page_source
    rows = d.find_elements(By.CSS_SELECTOR, "table tbody tr th a")
    assert [r.text for r in rows] == ["lab-ca"]
    assert unlabelled(d) == []
    shot(d, "06-ipsec")

    d.get(details_url)
    d.find_element(By.CSS_SELECTOR, "details.confirm summary").click()
    submit(d.find_element(By.CSS_SELECTOR, "form[action$='/delete'] button"))
    message = alert_text(d)
    assert "being in use by one or more subsystems" in message
    assert "ONTAP error code 52560272" in message
    shot(d, "07-delete-in-use")

    go(d, server, "/ipsec?scope=vs1")
    submit(d.find_element(By.CSS_SELECTOR, "button[aria-label='Remove lab-ca from IPsec']"))
    assert "The CA certificate was removed from IPsec." in d.page_source
    assert "IPsec trusts no CA certificate in this scope." in d.page_source

    d.get(details_url)
    d.find_element(By.CSS_SELECTOR, "details.confirm summary").click()
    submit(d.find_element(By.CSS_SELECTOR, "form[action$='/delete'] button"))
    assert "The certificate was deleted." in d.page_source
    assert not d.find_elements(By.LINK_TEXT, "lab-ca")

    # Keep two listed for the pictures and the readonly account, one of them expiring soon.
    soon = datetime.now(UTC) + timedelta(days=20)
    for name, cn, slot, until in (("lab-ca", "Lab CA", 1, None), ("old-ca", "Old CA", 2, soon)):
        again = tmp_path / f"{name}.pem"
        again.write_text(pem(make_ca("p256", cn, slot=slot, not_after=until)[0]))
        d.find_element(By.CSS_SELECTOR, "#install summary").click()
        Select(d.find_element(By.ID, "i-scope")).select_by_value("vs1")
        d.find_element(By.ID, "i-name").send_keys(name)
        d.find_element(By.ID, "i-file").send_keys(str(again))
        submit(d.find_element(By.CSS_SELECTOR, "form[action='/certificates/install'] button"))
    for _ in range(2):
        go(d, server, "/ipsec?scope=vs1")
        submit(d.find_element(By.CSS_SELECTOR, "form[action='/ipsec/add'] button"))
    rows = d.find_elements(By.CSS_SELECTOR, "table tbody tr th a")
    assert [r.text for r in rows] == ["lab-ca", "old-ca"]
    assert "expires in" in d.page_source
    d.set_window_size(1000, 900)
    shot(d, "08-ipsec-listed")
    d.set_window_size(1280, 900)
    sign_out(d)
    assert "You are signed out." in d.page_source


def test_the_keyboard_reaches_the_skip_link_then_the_navigation(
    browser: WebDriver, server: Server
) -> None:
    d = browser
    sign_in(d, server, "admin", ADMIN_PASSWORD)
    body = d.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert d.switch_to.active_element.text == "Skip to main content"
    body = d.switch_to.active_element
    body.send_keys(Keys.TAB)
    assert d.switch_to.active_element.text == "Overview"
    sign_out(d)


def test_a_narrow_window_shows_the_ipsec_page_without_sideways_scrolling(
    browser: WebDriver, server: Server
) -> None:
    d = browser
    sign_in(d, server, "admin", ADMIN_PASSWORD)
    d.set_window_size(380, 800)
    try:
        go(d, server, "/ipsec?scope=vs1")
        overflow = d.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        shot(d, "09-ipsec-narrow")
    finally:
        d.set_window_size(1280, 900)
    sign_out(d)


def test_a_readonly_account_sees_no_change_controls(browser: WebDriver, server: Server) -> None:
    d = browser
    sign_in(d, server, *VIEWER)
    assert "(readonly)" in d.page_source
    for path in ("/", "/svms", "/certificates", "/ipsec?scope=vs1"):
        go(d, server, path)
        forms = d.find_elements(By.CSS_SELECTOR, "form[method=post]")
        assert [f.get_attribute("action") for f in forms] == [server.base_url + "/logout"], path
        assert not d.find_elements(By.CSS_SELECTOR, "input[type=file], textarea:not([readonly])")
    d.find_element(By.LINK_TEXT, "lab-ca").click()
    assert not d.find_elements(By.CSS_SELECTOR, "details.confirm")
    shot(d, "10-readonly-certificate")
    go(d, server, "/ipsec?scope=vs1")
    shot(d, "11-readonly-ipsec")
    sign_out(d)


def test_a_form_without_its_csrf_token_is_refused(browser: WebDriver, server: Server) -> None:
    d = browser
    sign_in(d, server, "admin", ADMIN_PASSWORD)
    go(d, server, "/svms")
    d.find_element(By.CSS_SELECTOR, "details.panel summary").click()
    d.find_element(By.ID, "svm-name").send_keys("forged")
    d.execute_script("document.querySelector(\"form[action='/svms'] input[name=csrf]\").remove()")
    submit(d.find_element(By.CSS_SELECTOR, "form[action='/svms'] button"))
    assert d.find_element(By.TAG_NAME, "h1").text == "Refused"
    assert "security token" in d.page_source
    shot(d, "12-csrf-refused")
    go(d, server, "/svms")
    with pytest.raises(NoSuchElementException):
        d.find_element(By.XPATH, "//th[normalize-space()='forged']")
    sign_out(d)


def test_no_password_nor_key_reached_the_server_log(server: Server) -> None:
    """Last in the module: everything above went through the log (access log on, info)."""
    log = server.output()
    assert "GET /ipsec" in log  # the access log did record the console's requests
    for secret in (ADMIN_PASSWORD, VIEWER[1], "PRIVATE KEY"):
        assert secret not in log
