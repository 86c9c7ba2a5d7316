/// Dates as PostgreSQL counts them: days and microseconds since 2000-01-01
/// (UTC), for turning `timestamptz`, `timestamp` and `date` between their
/// text and binary forms.
enum PostgresCalendar {
    static let microsecondsPerDay: Int64 = 86_400_000_000
    /// Days from 1970-01-01 to 2000-01-01.
    private static let epochOffset = 10_957

    /// Days since 2000-01-01 of a (proleptic Gregorian) date; `year` 0 is 1 BC.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468 - epochOffset
    }

    /// The date of a day counted since 2000-01-01.
    static func date(days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + epochOffset + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses PostgreSQL's ISO output: `2024-05-06`, `2024-05-06 07:08:09.123456`,
    /// with an offset `+02`, `-03:30` or `+05:45:10` when `withOffset`, and
    /// ` BC` for years before 1. Returns microseconds since 2000-01-01 UTC, or
    /// days when `dateOnly`; nil for anything else.
    static func parse(_ text: String, dateOnly: Bool, withOffset: Bool) -> Int64? {
        var rest = Substring(text)
        var bc = false
        if rest.hasSuffix(" BC") {
            bc = true
            rest = rest.dropLast(3)
        }
        let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == (dateOnly ? 1 : 2) else { return nil }
        let dateParts = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard dateParts.count == 3, var year = Int(dateParts[0]), let month = Int(dateParts[1]), let day = Int(dateParts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        if bc { year = 1 - year }
        let days = Int64(Self.days(year: year, month: month, day: day))
        if dateOnly { return days }
        var time = parts[1]
        var offsetSeconds = 0
        if withOffset {
            guard let signIndex = time.lastIndex(where: { $0 == "+" || $0 == "-" }) else { return nil }
            let sign = time[signIndex] == "-" ? -1 : 1
            let fields = time[time.index(after: signIndex)...].split(separator: ":").map { Int($0) }
            guard (1...3).contains(fields.count), fields.allSatisfy({ $0 != nil }) else { return nil }
            let values = fields.map { $0! } + [0, 0]
            offsetSeconds = sign * (values[0] * 3600 + values[1] * 60 + values[2])
            time = time[..<signIndex]
        }
        let clock = time.split(separator: ":")
        guard clock.count == 3, let hours = Int(clock[0]), let minutes = Int(clock[1]) else { return nil }
        let secondParts = clock[2].split(separator: ".", omittingEmptySubsequences: false)
        guard let seconds = Int(secondParts[0]), secondParts.count <= 2 else { return nil }
        var micros = 0
        if secondParts.count == 2 {
            let digits = secondParts[1]
            guard !digits.isEmpty, digits.count <= 6, let fraction = Int(digits) else { return nil }
            micros = fraction * Int(pow10(6 - digits.count))
        }
        let secondsOfDay = Int64(hours * 3600 + minutes * 60 + seconds - offsetSeconds)
        return days * microsecondsPerDay + secondsOfDay * 1_000_000 + Int64(micros)
    }

    /// ISO text of microseconds since 2000-01-01: `2024-05-06 07:08:09.123456` (`+00` appended by callers for UTC).
    static func format(microseconds: Int64) -> String {
        var days = microseconds / microsecondsPerDay
        var rest = microseconds % microsecondsPerDay
        if rest < 0 {
            rest += microsecondsPerDay
            days -= 1
        }
        let date = format(days: Int(days))
        let seconds = rest / 1_000_000
        let fraction = rest % 1_000_000
        var text = date + " " + two(Int(seconds / 3600)) + ":" + two(Int(seconds / 60 % 60)) + ":" + two(Int(seconds % 60))
        if fraction > 0 {
            let digits = String(fraction)
            text += "." + String(repeating: "0", count: 6 - digits.count) + digits
        }
        return text
    }

    /// ISO text of a day counted since 2000-01-01: `2024-05-06`, ` BC` for years before 1.
    static func format(days: Int) -> String {
        let (year, month, day) = date(days: days)
        let shownYear = year > 0 ? year : 1 - year
        let yearText = String(shownYear)
        return String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText + "-" + two(month) + "-" + two(day)
            + (year > 0 ? "" : " BC")
    }

    private static func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * 10 }
    }
}
