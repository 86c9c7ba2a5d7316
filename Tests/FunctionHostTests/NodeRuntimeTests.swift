import Foundation
import Testing

/// The built-in Node.js runtime: folders holding only a handler file, run on
/// the machine's `node` as Lambda's nodejs runtimes run them.
@Suite struct NodeRuntimeTests {
    /// Answers with what the handler saw of its context, and logs two records.
    static let contextProbe = """
        ({
          awsRequestId: context.awsRequestId, functionName: context.functionName,
          functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionArn,
          memoryLimitInMB: context.memoryLimitInMB, logGroupName: context.logGroupName,
          logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(),
          waits: context.callbackWaitsForEmptyEventLoop, path: event.rawPath,
          handler: process.env._HANDLER, executionEnv: process.env.AWS_EXECUTION_ENV,
        })
        """

    @Test func esModulesAndCommonJSAsyncAndCallbackHandlersServe() async throws {
        let project = try TestProject(
            functions: ["esm": ["memoryMB": 512, "timeoutSeconds": 20], "typed": ["handler": "app.main"]],
            sources: [
                // An ES module by its extension, async, with no runtime.json "handler": index.handler.
                "esm": ["index.mjs": """
                    export const handler = async (event, context) => {
                      console.log("from esm\\nsecond line");
                      console.error("an error record");
                      return \(Self.contextProbe);
                    };
                    """],
                // CommonJS by its extension, callback style, answering a string; no runtime.json entry.
                "cjs": ["index.cjs": """
                    exports.handler = (event, context, callback) => {
                      setTimeout(() => callback(null, "plain text from cjs " + context.functionName), 5);
                    };
                    """],
                // A plain (not async) function: as on Lambda, its return value is not the answer.
                "sync": ["index.js": "exports.handler = (event, context) => ({ statusCode: 201, body: 'ignored' });\n"],
                // A .js file that is an ES module because its package.json says so; handler named in runtime.json.
                "typed": [
                    "package.json": #"{ "type": "module" }"#,
                    "app.js": "export async function main(event, context) { return { statusCode: 201, body: import.meta.url }; }",
                ],
            ])
        let host = try await HostProcess.start(configFile: project.configFile)

        let (status, context) = try await host.json("GET", "/esm/inner")
        #expect(status == 200, "\(context)\n\(host.log)")
        let requestID = try #require(context["awsRequestId"] as? String)
        #expect(host.log.contains("START RequestId: \(requestID)"))
        #expect(context["functionName"] as? String == "esm")
        #expect(context["functionVersion"] as? String == "$LATEST")
        #expect((context["invokedFunctionArn"] as? String)?.hasSuffix(":function:esm") == true, "\(context)")
        #expect(context["memoryLimitInMB"] as? String == "512")
        #expect(context["logGroupName"] as? String == "/aws/lambda/esm")
        #expect((context["logStreamName"] as? String)?.contains("[$LATEST]") == true)
        let remaining = try #require(context["remaining"] as? Int)
        #expect(remaining > 0 && remaining <= 20_000)
        #expect(context["waits"] as? Bool == true)
        #expect(context["path"] as? String == "/esm/inner")
        #expect(context["handler"] as? String == "index.handler")
        #expect((context["executionEnv"] as? String)?.hasPrefix("AWS_Lambda_nodejs") == true)
        // console.* records as Lambda writes them: time, request id, level, message; a record's
        // second line (written after \r) is a line of its own with the instance's prefix.
        #expect(await HostProcess.eventually(5) { host.log.contains("\t\(requestID)\tINFO\tfrom esm") }, "\(host.log)")
        let lines = host.log.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("[esm/") && $0.hasSuffix("] second line") }, "\(host.log)")
        #expect(lines.contains { $0.hasPrefix("[esm/") && $0.hasSuffix("\t\(requestID)\tERROR\tan error record") })

        let plain = try await host.request("GET", "/cjs")
        #expect(plain.status == 200)
        // A string result is the body itself, as API Gateway infers it for payload format 2.0 (no quotes).
        #expect(String(decoding: plain.body, as: UTF8.self) == "plain text from cjs cjs")
        #expect(plain.headers["content-type"] == "application/json")

        let sync = try await host.request("GET", "/sync")
        #expect(sync.status == 200)
        #expect(String(decoding: sync.body, as: UTF8.self) == "null")

        let typed = try await host.request("GET", "/typed")
        #expect(typed.status == 201, "\(host.log)")
        #expect(String(decoding: typed.body, as: UTF8.self).hasSuffix("/Functions/typed/app.js"))
        #expect(host.log.contains("(nodejs)"), "the start-up table names the runtime")
    }

    @Test func aThrownErrorIsReportedWithItsTypeAndStackAndLogged() async throws {
        let project = try TestProject(functions: [:], sources: [
            "fails": ["index.mjs": """
                export async function handler(event) {
                  if (event.rawPath === "/fails/reject") return Promise.reject(new RangeError("out of range"));
                  null.property;  // TypeError
                }
                """],
            "callbackfails": ["index.cjs": """
                exports.handler = (event, context, callback) => { context.callbackWaitsForEmptyEventLoop = false; callback(new Error("told by callback")); };
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)

        let thrown = try await host.request("GET", "/fails")
        #expect(thrown.status == 502)
        #expect(thrown.headers["x-emulator-failure"] == "function-error")
        #expect(await HostProcess.eventually(5) { host.log.contains("Invoke Error") }, "\(host.log)")
        let logged = try #require(host.log.split(separator: "\n").first { $0.contains("Invoke Error") })
        #expect(logged.hasPrefix("[fails/"))
        #expect(logged.contains(#""errorType":"TypeError""#), "\(logged)")
        #expect(logged.contains("Cannot read properties of null"), "\(logged)")
        #expect(logged.contains("/Functions/fails/index.mjs:3"), "the stack names the handler's line: \(logged)")

        let rejected = try await host.request("GET", "/fails/reject")
        #expect(rejected.status == 502)
        #expect(await HostProcess.eventually(5) { host.log.contains(#""errorType":"RangeError","errorMessage":"out of range""#) })

        let called = try await host.request("GET", "/callbackfails")
        #expect(called.status == 502)
        #expect(await HostProcess.eventually(5) { host.log.contains(#""errorMessage":"told by callback""#) })
        #expect(try await host.failuresByCause("fails") == ["function-error": 2])
        // The instance outlived its handler's errors: one cold start served both.
        #expect(try await host.stats("fails")["coldStarts"] as? Int == 1)
    }

    /// As on Lambda: an unhandled rejection (or uncaught exception) fails the invocation and ends the instance.
    @Test func anUnhandledRejectionFailsTheInvocationAndTheNextRequestGetsAFreshInstance() async throws {
        let project = try TestProject(functions: [:], sources: [
            "rejects": ["index.mjs": """
                export async function handler(event) {
                  if (event.rawPath === "/rejects/ok") return { ok: process.pid };
                  Promise.reject(new Error("nobody waits for this"));
                  await new Promise((resolve) => setTimeout(resolve, 60_000));
                }
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let failed = try await host.request("GET", "/rejects")
        #expect(failed.status == 502)
        #expect(failed.headers["x-emulator-failure"] == "function-error")
        #expect(await HostProcess.eventually(5) {
            host.log.contains(#""errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"nobody waits for this""#)
        }, "\(host.log)")
        #expect(try await HostProcess.eventually(10) { try await host.instances("rejects") == 0 }, "the failed instance ended")
        let next = try await host.json("GET", "/rejects/ok")
        #expect(next.status == 200)
        #expect(try await host.stats("rejects")["coldStarts"] as? Int == 2)
    }

    /// node-postgres puts the SQLSTATE in the error's `code`: the runtime passes it on and the host names the cause by it.
    @Test func anErrorsSQLStateCodeNamesTheCause() async throws {
        let project = try TestProject(functions: [:], sources: [
            "dberror": ["index.cjs": """
                exports.handler = async (event) => {
                  const error = new Error("terminating connection due to administrator command");
                  error.code = event.rawPath === "/dberror/system" ? "EPIPE" : "57P01";
                  throw error;
                };
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        #expect(try await host.request("GET", "/dberror").headers["x-emulator-failure"] == "sqlstate-57P01")
        #expect(try await host.request("GET", "/dberror/system").headers["x-emulator-failure"] == "function-error")
        #expect(try await host.failuresByCause("dberror") == ["sqlstate-57P01": 1, "function-error": 1])
    }

    @Test func errorsWhileLoadingGoToInitErrorAndTheHostKeepsServing() async throws {
        let project = try TestProject(functions: ["noexport": ["handler": "index.missing"]], sources: [
            // A SyntaxError thrown by the module's code is the code's own error; a parse error is Lambda's
            // Runtime.UserCodeSyntaxError.
            "throwsatload": ["index.cjs": "throw new SyntaxError('config is unreadable');\n"],
            "unparsable": ["index.mjs": "export const handler = async () => {;\n"],
            "noexport": ["index.mjs": "export const handler = async () => 1;\n"],
            // What a copied function looks like before `npm install`.
            "needspg": ["index.cjs": "const { Client } = require('pg');\nexports.handler = async () => 1;\n"],
            "fine": ["index.js": "exports.handler = async () => ({ fine: true });\n"],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        for (path, expected) in [
            ("/throwsatload", #""errorType":"SyntaxError","errorMessage":"config is unreadable""#),
            ("/unparsable", #""errorType":"Runtime.UserCodeSyntaxError""#),
            ("/noexport", #""errorType":"Runtime.HandlerNotFound""#),
            ("/needspg", #""errorType":"Runtime.ImportModuleError""#),
        ] {
            let response = try await host.request("GET", path)
            #expect(response.status == 502, "\(path)")
            #expect(response.headers["x-emulator-failure"] == "function-error", "\(path)")
            #expect(await HostProcess.eventually(5) { host.log.contains(expected) }, "\(path): \(host.log)")
        }
        let missing = try #require(host.log.split(separator: "\n").first { $0.contains("Runtime.ImportModuleError") })
        #expect(missing.contains("Cannot find module 'pg'") && missing.contains("npm install"), "\(missing)")
        #expect(host.log.contains("index.missing is undefined or not exported"))
        let fine = try await host.json("GET", "/fine")
        #expect(fine.status == 200)
        #expect(fine.object["fine"] as? Bool == true)
    }

    @Test func aTimeoutAnswers504AndKillsTheHandlersChildProcesses() async throws {
        let project = try TestProject(functions: ["hangs": ["timeoutSeconds": 2]], sources: [
            "hangs": ["index.mjs": """
                import { spawn } from "node:child_process";
                export async function handler() {
                  const child = spawn("sleep", ["300"], { stdio: "ignore" });
                  console.log("child pid " + child.pid);
                  await new Promise(() => {});  // never settles
                }
                """],
        ])
        let host = try await HostProcess.start(configFile: project.configFile)
        let response = try await host.request("GET", "/hangs")
        #expect(response.status == 504)
        #expect(response.headers["x-emulator-failure"] == "function-timeout")
        let line = try #require(host.log.split(separator: "\n").first { $0.contains("child pid ") }, "\(host.log)")
        let pid = try #require(Int32(line.split(separator: " ").last ?? ""))
        #expect(await HostProcess.eventually(10) { !processIsAlive(pid) }, "the handler's sleep outlived the timeout")
        #expect(try await host.failuresByCause("hangs") == ["function-timeout": 1])
    }

    @Test func aMissingNodeIsNamedAtStartAndOnlyThatFunctionFails() async throws {
        let project = try TestProject(functions: ["echo": ["handler": "echo"]], sources: [
            "web": ["index.mjs": "export const handler = async () => 1;\n"],
        ])
        // A PATH without node (the echo function's bootstrap names its interpreter by its path).
        let bin = project.directory + "/bin"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        let host = try await HostProcess.start(configFile: project.configFile, environment: ["PATH": bin])
        #expect(host.log.contains(
            "error: function web is a nodejs function and there is no `node` on PATH: install Node.js 18 or later (Debian: apt-get install nodejs)"),
            "\(host.log)")
        let web = try await host.request("GET", "/web")
        #expect(web.status == 502)
        #expect(web.headers["x-emulator-failure"] == "start-failed")
        #expect(try await host.request("GET", "/echo").status == 200)
    }
}
