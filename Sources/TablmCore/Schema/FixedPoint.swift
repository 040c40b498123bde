/// Numbers of a column held as integers in units of 10^-decimals, so that text → value → text is exact
/// (no binary floating point between a CSV field and the row text).
public enum FixedPoint {
    /// Largest magnitude accepted, in units: keeps every value exactly representable as a Double (2^53).
    public static let maxUnits: Int64 = 1 << 53

    /// Powers of ten for the supported precisions (0...9).
    public static let maxDecimals = 9
    static let powers: [Int64] = (0...maxDecimals).map { exponent in
        var value: Int64 = 1
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    public static func units(of value: Double, decimals: Int) -> Int64 {
        Int64((value * Double(powers[decimals])).rounded())
    }

    public static func double(units: Int64, decimals: Int) -> Double {
        Double(units) / Double(powers[decimals])
    }

    /// `units` as decimal text with exactly `decimals` digits after the point (`-12.50`).
    public static func format(units: Int64, decimals: Int) -> String {
        let negative = units < 0
        let magnitude = units.magnitude
        let scale = UInt64(powers[decimals])
        var text = negative ? "-" : ""
        text += String(magnitude / scale)
        if decimals > 0 {
            let fraction = String(magnitude % scale)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return text
    }

    public enum ParseError: Error, Equatable {
        case notANumber
        case tooManyDecimals(found: Int)
        case notCanonical
        case tooLarge
    }

    /// Parses decimal text into units of 10^-decimals.
    ///
    /// - Parameter canonical: when true (row text), only the spelling `format` produces is accepted:
    ///   no sign but `-`, no leading zeros, no `-0`, at most `decimals` decimals. When false (CSV input)
    ///   `+`, leading zeros and extra decimals are accepted, the latter rounded half away from zero.
    public static func parse(_ text: some StringProtocol, decimals: Int, canonical: Bool) -> Result<Int64, ParseError> {
        parse(utf8: Array(text.utf8), decimals: decimals, canonical: canonical)
    }

    public static func parse(utf8 bytes: [UInt8], decimals: Int, canonical: Bool) -> Result<Int64, ParseError> {
        var index = 0
        var negative = false
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") || (!canonical && bytes[index] == UInt8(ascii: "+")) {
            negative = bytes[index] == UInt8(ascii: "-")
            index += 1
        }
        let integerStart = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        let integerDigits = bytes[integerStart..<index]
        var fractionDigits = bytes[index..<index]
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            let fractionStart = index + 1
            index = fractionStart
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            fractionDigits = bytes[fractionStart..<index]
            if fractionDigits.isEmpty { return .failure(.notANumber) }
        }
        guard index == bytes.count, !integerDigits.isEmpty else { return .failure(.notANumber) }
        if canonical {
            if integerDigits.count > 1 && integerDigits.first == UInt8(ascii: "0") { return .failure(.notCanonical) }
            if fractionDigits.count > decimals { return .failure(.tooManyDecimals(found: fractionDigits.count)) }
        }
        var units: Int64 = 0
        for digit in integerDigits {
            units = units * 10 + Int64(digit - UInt8(ascii: "0"))
            if units > maxUnits { return .failure(.tooLarge) }
        }
        var kept = 0
        for digit in fractionDigits.prefix(decimals) {
            units = units * 10 + Int64(digit - UInt8(ascii: "0"))
            kept += 1
        }
        while kept < decimals { units *= 10; kept += 1 }
        if fractionDigits.count > decimals, fractionDigits[fractionDigits.startIndex + decimals] >= UInt8(ascii: "5") {
            units += 1
        }
        if units > maxUnits { return .failure(.tooLarge) }
        if canonical && negative && units == 0 { return .failure(.notCanonical) }
        return .success(negative ? -units : units)
    }

    /// Whether decimal text is a value the column keeps exactly: no non-zero digit past `decimals`
    /// (`30.50` at 1 decimal, not `30.5` at 0, which `parse` would round to 31).
    public static func isExact(_ text: some StringProtocol, decimals: Int) -> Bool {
        guard let point = text.firstIndex(of: ".") else { return true }
        return text[text.index(after: point)...].dropFirst(decimals).allSatisfy { $0 == "0" }
    }

    /// Whether decimal text has a non-zero digit after its point (`23.5`, not `24.0` or `24`).
    public static func hasFraction(_ text: some StringProtocol) -> Bool {
        guard let point = text.firstIndex(of: ".") else { return false }
        return text[text.index(after: point)...].contains { $0 != "0" }
    }

    /// A bound given by the user (a condition), in units: rounded toward the inside of the range when it
    /// has more decimals than the column keeps. `exact` says whether no rounding happened.
    static func parseBound(_ text: String, decimals: Int, roundUp: Bool, column: String) throws -> (units: Int64, exact: Bool) {
        guard let value = Double(text), value.isFinite else {
            throw InputError("condition on \(quoted: column): \(quoted: text) is not a number")
        }
        let scaled = value * Double(powers[decimals])
        let rounded = roundUp ? scaled.rounded(.up) : scaled.rounded(.down)
        guard abs(rounded) <= Double(maxUnits) else { throw InputError("condition on \(quoted: column): \(quoted: text) is too large") }
        return (Int64(rounded), rounded == scaled)
    }

    /// Decimals written in a number's text (`12.50` → 2), nil when it is not a canonical decimal number.
    /// Schema inference uses it: a column whose values are all canonical numbers is numeric, anything
    /// else (a leading zero as in `02134`, a `+`) stays text so that it round-trips exactly.
    public static func canonicalDecimals(of text: some StringProtocol) -> Int? {
        let bytes = Array(text.utf8)
        let point = bytes.firstIndex(of: UInt8(ascii: "."))
        let decimals = point.map { bytes.count - $0 - 1 } ?? 0
        guard decimals <= maxDecimals,
              case .success = parse(utf8: bytes, decimals: decimals, canonical: true)
        else { return nil }
        return decimals
    }

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}
