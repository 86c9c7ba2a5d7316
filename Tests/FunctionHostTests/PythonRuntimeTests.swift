import Foundation
import Testing

/// The built-in Python runtime: a folder holding only its handler file serves,
/// and what the handler raises is in the log, as Lambda logs it.
@Suite struct PythonRuntimeTests {
    @Test func aFolderWithOnlyHandlerPyServesWithTheDefaultHandler() async throws {
        // No runtime.json entry at all: default routes, default handler (handler.handle).
        let project = try TestProject(functions: [:], sources: [
            "greet": ["handler.py": """
                import json, os, sys

                def handle(event, context):
                    sys.stdout.write("one\\rtwo\\r\\nthree\\n")
                    sys.stdout.flush()
                    names = ["_HANDLER", "AWS_EXECUTION_ENV", "LAMBDA_RUNTIME_DIR", "AWS_REGION", "AWS_DEFAULT_REGION",
                             "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_STREAM_NAME"]
                    return {"env": {name: os.environ.get(name) for name in names}, "function": context.function_name}
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let (status, body) = try await host.json("GET", "/greet")
        #expect(status == 200, "\(host.log)")
        #expect(body["function"] as? String == "greet")
        let env = try #require(body["env"] as? [String: Any])
        #expect(env["_HANDLER"] as? String == "handler.handle")
        #expect((env["AWS_EXECUTION_ENV"] as? String)?.hasPrefix("AWS_Lambda_python3") == true)
        #expect(env["AWS_REGION"] as? String == "us-east-1")
        #expect(env["AWS_DEFAULT_REGION"] as? String == "us-east-1")
        #expect(env["AWS_LAMBDA_LOG_GROUP_NAME"] as? String == "/aws/lambda/greet")
        #expect(env["AWS_LAMBDA_INITIALIZATION_TYPE"] as? String == "on-demand")
        let runtimeDirectory = try #require(env["LAMBDA_RUNTIME_DIR"] as? String)
        #expect(runtimeDirectory == project.directory + "/.emulator/runtimes/python")
        #expect(FileManager.default.fileExists(atPath: runtimeDirectory + "/bootstrap.py"), "the runtime client is where it says")
        #expect(!FileManager.default.fileExists(atPath: project.directory + "/Functions/greet/bootstrap"))
        #expect(host.log.contains("(python)"), "the start-up table names the runtime")

        // \r separates lines as \n and \r\n do, each line with the instance's prefix.
        #expect(await HostProcess.eventually(5) { host.log.contains("] three\n") })
        let lines = host.log.split(separator: "\n").filter { $0.hasPrefix("[greet/") }
        for text in ["one", "two", "three"] {
            #expect(lines.contains { $0.hasSuffix("] " + text) }, "\(text) on a line of its own: \(lines)")
        }
        #expect(!host.log.contains("\r"))
    }

    /// `\r\n` written in two pieces (so read in two chunks) still ends one line, not two.
    @Test func aCarriageReturnAndItsNewlineReadApartEndOneLine() async throws {
        let project = try TestProject(functions: [:], sources: [
            "split": ["handler.py": """
                import sys, time

                def handle(event, context):
                    sys.stdout.write("first\\r")
                    sys.stdout.flush()
                    time.sleep(0.3)  # the host reads "first\\r" before the "\\n"
                    sys.stdout.write("\\nsecond\\n")
                    sys.stdout.flush()
                    return {"ok": True}
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/split").status == 200)
        #expect(await HostProcess.eventually(5) { host.log.contains("] second\n") }, "\(host.log)")
        let lines = host.log.split(separator: "\n", omittingEmptySubsequences: false).filter { $0.hasPrefix("[split/") }
        #expect(lines.contains { $0.hasSuffix("] first") }, "\(lines)")
        #expect(!lines.contains { $0.hasSuffix("] ") }, "no empty line between first and second: \(lines)")
    }

    @Test func handlerExceptionsAndImportErrorsAreLoggedWithTheirTraceback() async throws {
        let project = try TestProject(
            functions: ["brokenimport": ["handler": "broken.handle"]],
            sources: [
                "raises": ["handler.py": """
                    def check(value):
                        raise ValueError("bad value %r" % value)

                    def handle(event, context):
                        check(event["rawPath"])
                    """],
                "brokenimport": ["broken.py": "RATIO = 1 / 0\n\ndef handle(event, context):\n    return 1\n"],
                // psycopg's errors carry their SQLSTATE as `sqlstate`: the runtime passes it on as `code`.
                "unique": ["handler.py": """
                    class UniqueViolation(Exception):
                        sqlstate = "23505"

                    def handle(event, context):
                        raise UniqueViolation("duplicate key value violates unique constraint")
                    """],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)

        let raised = try await host.request("GET", "/raises")
        #expect(raised.status == 502)
        #expect(raised.headers["x-emulator-failure"] == "function-error")
        #expect(await HostProcess.eventually(5) { host.log.contains("ValueError: bad value '/raises'\n") }, "\(host.log)")
        let lines = host.log.split(separator: "\n").filter { $0.hasPrefix("[raises/") }
        #expect(lines.contains { $0.hasSuffix("] [ERROR] ValueError: bad value '/raises'") }, "\(lines)")
        #expect(lines.contains { $0.hasSuffix("] Traceback (most recent call last):") }, "\(lines)")
        #expect(lines.contains { $0.contains("/Functions/raises/handler.py\", line 2, in check") }, "\(lines)")

        let unique = try await host.request("GET", "/unique")
        #expect(unique.status == 502)
        #expect(unique.headers["x-emulator-failure"] == "sqlstate-23505")

        let broken = try await host.request("GET", "/brokenimport")
        #expect(broken.status == 502)
        #expect(await HostProcess.eventually(5) { host.log.contains("] [ERROR] ZeroDivisionError: division by zero") }, "\(host.log)")
        #expect(host.log.contains("/Functions/brokenimport/broken.py\", line 1, in <module>"))
    }
}
