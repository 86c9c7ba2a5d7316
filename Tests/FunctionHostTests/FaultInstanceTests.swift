import Foundation
import Testing

/// Instances that misbehave with their resources: too much memory (alone or
/// through a child) and a flood of output.
@Suite struct FaultInstanceTests {
    /// A runtime of its own: `?mb=N` holds N MB (`&in=child`: in a child process) and never
    /// answers; `?lines=N` prints N numbered lines, then answers; otherwise answers its pid.
    static let bootstrap = TestRuntime.interpreter + "\n" + #"""
    import http.client, json, os, subprocess, sys, time
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].split(":")
    def call(method, path, body=None):
        conn = http.client.HTTPConnection(host, int(port))
        conn.request(method, "/2018-06-01/runtime/" + path, body=body)
        response = conn.getresponse()
        return response, response.read()
    held = []
    while True:
        r, body = call("GET", "invocation/next")
        rid = r.getheader("Lambda-Runtime-Aws-Request-Id")
        query = json.loads(body).get("queryStringParameters") or {}
        mb = int(query.get("mb", "0"))
        if mb and query.get("in") == "child":
            child = subprocess.Popen([sys.executable, "-c", "import time; x = b'x' * (%d << 20); time.sleep(600)" % mb])
            print("child pid %d" % child.pid, flush=True)
            time.sleep(600)
        elif mb:
            held.append(b"x" * (mb << 20))
            time.sleep(600)
        for n in range(int(query.get("lines", "0"))):
            sys.stdout.write("flood %07d %s\n" % (n, "y" * 80))
        sys.stdout.flush()
        call("POST", "invocation/%s/response" % rid, json.dumps({"statusCode": 200, "body": str(os.getpid())}))
    """#

    static func project(_ settings: [String: Any]) throws -> TestProject {
        let project = try TestProject(functions: ["hog": settings])
        try Self.bootstrap.write(toFile: project.directory + "/Functions/hog/bootstrap", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: project.directory + "/Functions/hog/bootstrap")
        return project
    }

    @Test(arguments: [false, true])
    func anInstanceOverItsMemoryIsKilledWithItsGroupAndAnswers502(inChild: Bool) async throws {
        let project = try Self.project(["memoryMB": 128, "timeoutSeconds": 60])
        let host = try await HostProcess.start(configFile: project.configFile)
        let first = try await host.request("GET", "/hog")
        #expect(first.status == 200)

        let asked = ContinuousClock.now
        let answer = try await host.request("GET", "/hog?mb=200" + (inChild ? "&in=child" : ""))
        let answeredAfter = ContinuousClock.now - asked
        #expect(answer.status == 502)
        #expect(answer.headers["x-emulator-error-type"] == "Runtime.OutOfMemory", "\(answer.headers)")
        #expect(answer.headers["X-Emulator-Failure"] == "out-of-memory" || answer.headers["x-emulator-failure"] == "out-of-memory",
                "\(answer.headers)")
        #expect(try await host.failuresByCause("hog")["out-of-memory"] == 1)
        #expect(await HostProcess.eventually(5) { host.log.contains("Runtime.OutOfMemory") })
        let instance = try #require(Int32(String(decoding: first.body, as: UTF8.self)))
        #expect(await HostProcess.eventually(10) { !processIsAlive(instance) })
        if inChild {
            let line = try #require(host.log.split(separator: "\n").first { $0.contains("child pid ") })
            let child = try #require(Int32(line.split(separator: " ").last ?? ""))
            #expect(await HostProcess.eventually(10) { !processIsAlive(child) })
        }

        // A fresh instance serves the next request.
        let recovering = ContinuousClock.now
        let next = try await host.request("GET", "/hog")
        #expect(next.status == 200)
        #expect(next.body != first.body)
        print("fault out-of-memory\(inChild ? " (in a child)" : ""): 200 MB against memoryMB 128, 502 Runtime.OutOfMemory"
              + " \(answeredAfter) after the request, next request served by a fresh instance in \(ContinuousClock.now - recovering)")
    }

    @Test func aFloodOfOutputIsPassedOnWholeAndTheHostKeepsServing() async throws {
        let project = try Self.project([:])
        let host = try await HostProcess.start(configFile: project.configFile)
        let lines = 100_000
        let started = ContinuousClock.now
        async let flood = host.request("GET", "/hog?lines=\(lines)")
        // The host answers other requests meanwhile.
        #expect(try await host.request("GET", "/_emulator/stats").status == 200)
        #expect(try await flood.status == 200)
        #expect(await HostProcess.eventually(20) { host.log.contains("flood \(String(format: "%07d", lines - 1))") })
        let printed = host.log.split(separator: "\n").filter { $0.contains("flood ") && $0.hasSuffix(String(repeating: "y", count: 80)) }
        #expect(printed.count == lines)
        print("fault stdout flood: \(printed.count) of \(lines) lines of 94 bytes in the log, whole, in \(ContinuousClock.now - started);"
              + " the host answered meanwhile")
        #expect(try await host.request("GET", "/hog").status == 200)
    }
}
