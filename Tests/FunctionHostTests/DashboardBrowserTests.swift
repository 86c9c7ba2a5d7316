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

    /// Opens the page, waits (polling, up to 30 s each) for the live numbers,
    /// clicks the mode button and prints what it saw as one JSON line.
    private static let driver = #"""
import json, re, sys
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

url, chromium, chromedriver, profile = sys.argv[1:5]
options = webdriver.ChromeOptions()
options.binary_location = chromium
for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--window-size=1400,1000", "--user-data-dir=" + profile]:
    options.add_argument(argument)
options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
driver = webdriver.Chrome(service=Service(chromedriver), options=options)
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
