import EmulatorConfig
import Foundation

/// The environment an instance starts with, exactly as the contract says:
/// the Lambda variables, the function's own `environment`, the database
/// variables when there is a database (``DatabaseAccess/environment``), and of
/// the host's only `PATH`, `HOME` and `LANG`.
enum InstanceEnvironment {
    /// Variables passed through from the host.
    static let inherited = ["PATH", "HOME", "LANG"]
    /// `AWS_REGION` and `AWS_DEFAULT_REGION`.
    static let region = "us-east-1"

    /// `LAMBDA_RUNTIME_DIR`: where the built-in runtime clients are written,
    /// `.emulator/runtimes` beside the `Functions/` folder holding `function`.
    static func runtimeDirectory(of function: FunctionDefinition) -> String {
        BuiltInRuntime.directory(forFunctionsIn: (function.directory as NSString).deletingLastPathComponent)
    }

    static func make(
        for function: FunctionDefinition,
        instanceID: String,
        runtimeAPI: String,
        database: DatabaseAccess?,
        host: [String: String]
    ) -> [String: String] {
        var environment: [String: String] = [:]
        for name in inherited { environment[name] = host[name] }
        for (name, value) in function.settings.environment { environment[name] = value }
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        let day = String(format: "%04d/%02d/%02d", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday)
        environment["AWS_LAMBDA_FUNCTION_NAME"] = function.name
        environment["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] = String(function.settings.memoryMB)
        environment["AWS_LAMBDA_FUNCTION_VERSION"] = "$LATEST"
        environment["AWS_LAMBDA_LOG_GROUP_NAME"] = "/aws/lambda/\(function.name)"
        environment["AWS_LAMBDA_LOG_STREAM_NAME"] = "\(day)/[$LATEST]\(instanceID)"
        environment["AWS_LAMBDA_RUNTIME_API"] = runtimeAPI
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "on-demand"
        environment["AWS_REGION"] = region
        environment["AWS_DEFAULT_REGION"] = region
        environment["TZ"] = ":UTC"
        environment["LAMBDA_TASK_ROOT"] = function.directory
        if let runtime = BuiltInRuntime(function.kind) {
            environment["LAMBDA_RUNTIME_DIR"] = runtimeDirectory(of: function) + "/" + runtime.folder
            environment["AWS_EXECUTION_ENV"] = runtime.executionEnvironment
        } else {
            // A Swift function or custom runtime is its own runtime.
            environment["LAMBDA_RUNTIME_DIR"] = function.directory
        }
        if let handler = function.handler { environment["_HANDLER"] = handler }
        if let database { environment.merge(database.environment) { _, new in new } }
        return environment
    }
}
