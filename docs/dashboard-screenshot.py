#!/usr/bin/env python3
"""Takes docs/dashboard.png: the dashboard of a running emulator during a
direct-mode storm, in headless Chromium (Debian: chromium, chromium-driver).

    swift run emulator &                      # the examples: hello, users, orders
    python3 -m venv .build-python/venv && .build-python/venv/bin/pip install selenium
    .build-python/venv/bin/python docs/dashboard-screenshot.py http://127.0.0.1:3000/_emulator/ docs/dashboard.png

It starts `GET /users --concurrency 120 --requests 3000 --compare` from the
page's storm form, so the charts show the pooled run and then the direct
one, and takes the picture while the direct run holds the database at its
connection limit (or when it ends).
"""
import re
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:3000/_emulator/"
output = sys.argv[2] if len(sys.argv) > 2 else "docs/dashboard.png"
route, concurrency, requests = "GET /users", "120", "3000"

options = webdriver.ChromeOptions()
options.binary_location = "/usr/bin/chromium"
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--hide-scrollbars",
                 "--window-size=1440,1700", "--force-device-scale-factor=1",
                 "--user-data-dir=" + tempfile.mkdtemp(prefix="dashboard-screenshot-")]:
    options.add_argument(argument)
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
try:
    wait = WebDriverWait(driver, 600, poll_frequency=0.1)
    content = lambda id: driver.find_element(By.ID, id).get_attribute("textContent").strip()
    driver.get(url)
    wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
    wait.until(lambda d: route in [o.get_attribute("value") for o in d.find_elements(By.CSS_SELECTOR, "#storm-route option")])
    Select(driver.find_element(By.ID, "storm-route")).select_by_value(route)
    for field, value in [("storm-concurrency", concurrency), ("storm-requests", requests)]:
        driver.find_element(By.ID, field).clear()
        driver.find_element(By.ID, field).send_keys(value)
    if not driver.find_element(By.ID, "storm-compare").is_selected():
        driver.find_element(By.ID, "storm-compare").click()
    driver.find_element(By.ID, "storm-button").click()
    wait.until(lambda d: content("storm-status").startswith("Running"))
    print("storm running: pooled first", flush=True)
    wait.until(lambda d: content("mode") == "direct" or not content("storm-status").startswith("Running"))
    print("direct run started", flush=True)

    def at_the_limit(d):
        numbers = [int(n) for n in re.findall(r"\d+", content("tile-database"))]
        full = len(numbers) == 2 and numbers[0] >= 0.85 * numbers[1] and content("tile-errors") not in ("0.0", "–")
        return full or not content("storm-status").startswith("Running")
    wait.until(at_the_limit)
    time.sleep(1)  # two more ticks, so the charts show the ceiling being held
    driver.set_window_size(1440, driver.execute_script("return document.documentElement.scrollHeight"))
    time.sleep(0.3)  # the page redraws its charts for the new size
    driver.save_screenshot(output)
    print("saved", output, "during:", content("storm-status"), flush=True)
finally:
    driver.quit()
