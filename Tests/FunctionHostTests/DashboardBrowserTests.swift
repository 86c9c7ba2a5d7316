import ChildProcess
import Foundation
import Testing
import TestSupport

/// The dashboard in a real headless Chromium (Debian's `chromium` and
/// `chromium-driver`), driven by Selenium while the host is under load.
@Suite struct DashboardBrowserTests {
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    @Test func thePageShowsLiveNumbersAndItsButtonSwitchesTheMode() async throws {
        for program in [Self.chromium, Self.chromedriver] {
            try #require(FileManager.default.isExecutableFile(atPath: program),
                         "\(program) is missing: apt-get install chromium chromium-driver")
        }
        let python = try await PythonEnvironment.shared.python(with: ["selenium"])
        let project = try TestProject(
            functions: ["slow": ["handler": "slow", "routes": ["GET /slow"]], "echo": ["handler": "echo"]],
            extra: [
                "database": ["managed": ["port": try freePort(), "maxConnections": 12]],
                "pool": ["port": try freePort(), "maxServerConnections": 2],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let script = project.directory + "/drive-dashboard.py"
        try Self.driver.write(toFile: script, atomically: true, encoding: .utf8)

        // Load: three callers of a slow function until the browser is done.
        let load = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<3 {
                    group.addTask { while !Task.isCancelled { _ = try? await host.request("GET", "/slow?ms=300") } }
                }
            }
        }
        let (status, output) = try await ChildProcess.run(
            ProcessSpec(
                executable: python,
                arguments: [script, "http://127.0.0.1:\(host.port)/_emulator/", Self.chromium, Self.chromedriver,
                            project.directory + "/chromium-profile"],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory()],
                output: .pipe),
            timeout: .seconds(120))
        load.cancel()
        await load.value

        #expect(status == .exited(0), "\(output)")
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(seen["functions"] as? [String] == ["echo", "slow"])
        #expect(seen["modeBefore"] as? String == "pooled")
        #expect((seen["instances"] as? Double ?? 0) > 0, "\(seen)")
        #expect((seen["requestsPerSecond"] as? Double ?? 0) > 0, "\(seen)")
        #expect((seen["slowInvocations"] as? Double ?? 0) > 0, "\(seen)")
        #expect((seen["feedRows"] as? Int ?? 0) > 0, "\(seen)")
        #expect((seen["databaseTile"] as? String)?.hasSuffix("/ 12") == true, "\(seen)")
        // The database's connection churn (new backends per second, opened since start).
        #expect((seen["databaseDetail"] as? String)?.contains("opened") == true, "\(seen)")
        #expect(seen["modeAfter"] as? String == "direct")
        #expect(seen["browserErrors"] as? [String] == [], "\(seen)")
        #expect(try await host.json("GET", "/_emulator/stats").object["mode"] as? String == "direct")
    }

    /// "connecting…" before the first event, a storm path the chosen route
    /// serves, a refused storm's message kept across updates, and a failed hot
    /// reload shown on the page.
    @Test func thePageSaysConnectingFillsAServedStormPathKeepsErrorsAndShowsAFailedReload() async throws {
        for program in [Self.chromium, Self.chromedriver] {
            try #require(FileManager.default.isExecutableFile(atPath: program),
                         "\(program) is missing: apt-get install chromium chromium-driver")
        }
        let python = try await PythonEnvironment.shared.python(with: ["selenium"])
        let project = try TestProject(functions: ["fa": ["handler": "echo", "routes": ["ANY /fa/{proxy+}"]]])
        let host = try await HostProcess.start(configFile: project.configFile)
        let script = project.directory + "/drive-storm-form.py"
        try Self.formDriver.write(toFile: script, atomically: true, encoding: .utf8)
        let (status, output) = try await ChildProcess.run(
            ProcessSpec(
                executable: python,
                arguments: [script, "http://127.0.0.1:\(host.port)/_emulator/", Self.chromium, Self.chromedriver,
                            project.directory + "/chromium-profile", project.configFile],
                environment: ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "HOME": NSHomeDirectory()],
                output: .pipe),
            timeout: .seconds(180))
        #expect(status == .exited(0), "\(output)")
        let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("{") }, "\(output)")
        let seen = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(seen["beforeEvents"] == "connecting…", "\(seen)")
        #expect(seen["afterEvents"] == "no database", "\(seen)")
        #expect(seen["stormPath"] == "/fa/example", "\(seen)")
        #expect(seen["stormFinished"]?.hasPrefix("Finished: GET /fa/example") == true, "\(seen)")
        #expect(seen["errorAfterUpdates"] == "no function serves GET /nowhere", "\(seen)")
        #expect(seen["reloadError"]?.contains("functions.fa.memoryMB") == true, "\(seen)")
        #expect(seen["browserErrors"] == "", "\(seen)")
    }

    /// What both driver scripts import from Selenium.
    private static let seleniumImports = """
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
        """

    /// Starts headless Chromium through its WebDriver as `driver` (given `chromium`,
    /// `chromedriver` and a `profile` folder), keeping the page's console log.
    private static let startChromium = #"""
        options = webdriver.ChromeOptions()
        options.binary_location = chromium
        for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                         "--window-size=1400,1000", "--user-data-dir=" + profile]:
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(chromedriver), options=options)
        """#

    private static let formDriver = #"""
import json, sys
\#(seleniumImports)

url, chromium, chromedriver, profile, config = sys.argv[1:6]
\#(startChromium)
seen = {}
try:
    wait = WebDriverWait(driver, 60, poll_frequency=0.1)
    read = lambda script: driver.execute_script("return " + script)
    content = lambda id: driver.execute_script("return document.getElementById(arguments[0]).textContent", id).strip()
    empty = lambda: read("document.querySelector('[data-chart=database] canvas').dataset.empty")
    # No events yet: the live stream is blocked.
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/_emulator/events*"]})
    driver.get(url)
    wait.until(lambda d: empty() is not None)
    seen["beforeEvents"] = empty()
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": []})
    driver.get(url)
    wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
    seen["afterEvents"] = empty()
    # The only route is greedy: the form fills a path it serves, and a storm on it runs.
    wait.until(lambda d: read("document.getElementById('storm-route').value") == "ANY /fa/{proxy+}")
    seen["stormPath"] = read("document.getElementById('storm-path').value")
    driver.execute_script("document.getElementById('storm-concurrency').value = '1'; document.getElementById('storm-requests').value = '5'")
    driver.find_element(By.ID, "storm-button").click()
    wait.until(lambda d: content("storm-status").startswith("Finished"))
    seen["stormFinished"] = content("storm-status")
    # A path nobody serves: the message stays through the next updates.
    path = driver.find_element(By.ID, "storm-path")
    path.clear()
    path.send_keys("/nowhere")
    driver.find_element(By.ID, "storm-button").click()
    wait.until(lambda d: content("storm-status").startswith("no function serves"))
    for _ in range(3):
        before = content("connection")
        wait.until(lambda d: content("connection") != before)
    seen["errorAfterUpdates"] = content("storm-status")
    # A reload that fails (an invalid runtime.json) is shown on the page.
    with open(config, "w") as file:
        file.write('{"database": null, "functions": {"fa": {"memoryMB": 1}}}')
    wait.until(lambda d: d.find_element(By.ID, "reload").is_displayed())
    seen["reloadError"] = content("reload-error")
    # Not counted: the blocked event stream, and the storm refused on purpose.
    expected = ["_emulator/events", "_emulator/storm - Failed to load resource: the server responded with a status of 400"]
    seen["browserErrors"] = " | ".join(entry["message"] for entry in driver.get_log("browser")
                                       if entry["level"] == "SEVERE" and not any(e in entry["message"] for e in expected))
finally:
    driver.quit()
print(json.dumps(seen))
"""#

    /// Opens the page, waits (polling, up to 30 s each) for the live numbers,
    /// clicks the mode button and prints what it saw as one JSON line.
    private static let driver = #"""
import json, re, sys
\#(seleniumImports)

url, chromium, chromedriver, profile = sys.argv[1:5]
\#(startChromium)
try:
    wait = WebDriverWait(driver, 30, poll_frequency=0.1)
    content = lambda id: driver.execute_script("return document.getElementById(arguments[0]).textContent", id).strip()
    read = lambda script: driver.execute_script(script if script.startswith("return") else "return " + script)
    def number(text):
        digits = re.sub(r"[^0-9.]", "", text.split("/")[0])
        return float(digits) if digits else 0.0
    driver.get(url)
    wait.until(lambda d: d.find_element(By.ID, "connection").get_attribute("data-state") == "live")
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#functions tbody tr")) == 2)
    seen = {
        "functions": read("Array.from(document.querySelectorAll('#functions tbody tr')).map(r => r.dataset.function)"),
        "modeBefore": content("mode"),
    }
    wait.until(lambda d: number(content("tile-instances")) > 0 and number(content("tile-rps")) > 0)
    seen["instances"] = number(content("tile-instances"))
    seen["requestsPerSecond"] = number(content("tile-rps"))
    # Read in one script: the page re-renders its tables live, so elements found a moment ago go stale.
    seen["slowInvocations"] = number(read("return document.querySelectorAll('#functions tr[data-function=slow] td')[6].textContent"))
    seen["feedRows"] = read("return Array.from(document.querySelectorAll('#feed tbody tr')).filter(r => r.textContent.includes('slow')).length")
    wait.until(lambda d: "/" in content("tile-database") and not content("tile-database").endswith("–"))
    seen["databaseTile"] = content("tile-database")
    wait.until(lambda d: "new/s" in content("tile-database-detail"))
    seen["databaseDetail"] = content("tile-database-detail")
    wait.until(lambda d: d.find_element(By.ID, "mode-button").is_enabled())
    driver.find_element(By.ID, "mode-button").click()
    wait.until(lambda d: content("mode") == "direct")
    seen["modeAfter"] = content("mode")
    seen["browserErrors"] = [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
finally:
    driver.quit()
print(json.dumps(seen))
"""#
}
