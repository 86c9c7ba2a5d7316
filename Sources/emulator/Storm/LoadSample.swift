/// One request of a storm: how long it took and, if it failed, why.
struct LoadSample: Sendable {
    /// From the start of the attempt (including a connect) to the end of the answer or the failure.
    let milliseconds: Double
    /// The failure's cause (see ``StormFailure``); nil for a success.
    let failure: String?
}
