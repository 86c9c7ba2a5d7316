import ChildProcess
import EmulatorConfig
import Prometheus

/// What the host needs to serve: the functions, where their binaries are, the limits.
public struct HostConfiguration: Sendable {
    /// Front door port on 127.0.0.1 (0 picks a free one).
    public var port: Int
    /// The functions to serve, as discovered in `Functions/`.
    public var functions: [FunctionDefinition]
    /// Folder holding the built Swift function products.
    public var binDirectory: String
    /// Concurrent executions across all functions.
    public var accountConcurrency: Int
    /// How fast new instances may start.
    public var burst: BurstSettings
    /// The URLs instances reach the database by, nil without a database.
    public var database: DatabaseEndpoints?
    /// Which of them instances get at start; `POST /_emulator/mode` switches it.
    public var mode: DatabaseMode
    /// Stage variables and the error body of the emulated HTTP API.
    public var apiGateway = APIGatewaySettings()
    /// How long in-flight invocations may finish when the host stops.
    public var drainTimeout: Duration
    /// Hot reload: watch the functions and rebuild them while serving; nil to serve as built.
    public var reload: ReloadSettings?
    /// More top-level sections of `/_emulator/stats` (e.g. `pool`, `database`), as JSON-ready values.
    public var statsSections: @Sendable () async -> [String: any Sendable] = { [:] }
    /// The registry swift-metrics was bootstrapped with (``EmulatorMetrics/bootstrap()``),
    /// which `GET /_emulator/metrics` renders; nil answers that endpoint with 404.
    public var metrics: PrometheusCollectorRegistry?
    /// How to start a storm the dashboard asks for: the command line of a
    /// process aimed at `target` (`http://127.0.0.1:<port>`) that prints its
    /// JSON report on standard output. Nil: `POST /_emulator/storm` answers 503.
    public var stormCommand: (@Sendable (_ request: StormRequest, _ target: String) -> ProcessSpec)?

    /// Creates a configuration; see the properties.
    public init(
        port: Int, functions: [FunctionDefinition], binDirectory: String, accountConcurrency: Int = 1000,
        burst: BurstSettings = BurstSettings(), database: DatabaseEndpoints? = nil, mode: DatabaseMode = .pooled,
        drainTimeout: Duration = .seconds(5)
    ) {
        self.port = port
        self.functions = functions
        self.binDirectory = binDirectory
        self.accountConcurrency = accountConcurrency
        self.burst = burst
        self.database = database
        self.mode = mode
        self.drainTimeout = drainTimeout
    }

    /// The configuration of `config`'s functions.
    public init(config: RuntimeConfig, functions: [FunctionDefinition], binDirectory: String) {
        self.init(
            port: config.port, functions: functions, binDirectory: binDirectory,
            accountConcurrency: config.accountConcurrency, burst: config.burst, mode: config.mode)
        apiGateway = config.apiGateway
    }
}
