#if canImport(Glibc)
@preconcurrency import Glibc
#elseif canImport(Musl)
@preconcurrency import Musl
#elseif canImport(Darwin)
@preconcurrency import Darwin
#endif

/// The few operating-system calls the SDK needs, without Foundation.
enum Platform {
    /// The value of environment variable `name`, or `nil` when it is unset.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// Sets environment variable `name` to `value`, or removes it when `value` is `nil`.
    static func setEnvironment(_ name: String, to value: String?) {
        if let value {
            setenv(name, value, 1)
        } else {
            unsetenv(name)
        }
    }

    /// Milliseconds since the Unix epoch, from the wall clock.
    static func epochMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// `epochMilliseconds` as an ISO 8601 UTC timestamp with milliseconds, for log lines.
    static func utcTimestamp(epochMilliseconds: Int64) -> String {
        var seconds = time_t(epochMilliseconds / 1000)
        var fields = tm()
        gmtime_r(&seconds, &fields)
        func pad(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(fields.tm_year + 1900, 4))-\(pad(fields.tm_mon + 1, 2))-\(pad(fields.tm_mday, 2))"
            + "T\(pad(fields.tm_hour, 2)):\(pad(fields.tm_min, 2)):\(pad(fields.tm_sec, 2))"
            + ".\(pad(Int32(epochMilliseconds % 1000), 3))Z"
    }

    /// Writes `text` to standard error in one `write` call, so concurrent lines do not interleave.
    static func writeToStandardError(_ text: String) {
        var text = text
        text.withUTF8 { bytes in
            var remaining = UnsafeRawBufferPointer(bytes)
            while !remaining.isEmpty {
                let written = write(2, remaining.baseAddress, remaining.count)
                if written <= 0 {
                    if written < 0 && errno == EINTR { continue }
                    return
                }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
            }
        }
    }

    /// Makes standard output line-buffered, so a handler's `print` reaches the
    /// host line by line even when standard output is a pipe.
    static func lineBufferStandardOutput() {
        setvbuf(stdout, nil, _IOLBF, 0)
    }

    /// Ends the process with `status`.
    static func exit(_ status: Int32) -> Never {
        #if canImport(Glibc)
        Glibc.exit(status)
        #elseif canImport(Musl)
        Musl.exit(status)
        #elseif canImport(Darwin)
        Darwin.exit(status)
        #endif
    }
}
