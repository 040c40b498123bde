/// A number being written digit by digit, and which continuations can still end inside a range.
///
/// Values are in units of 10^-decimals (see `FixedPoint`). The spelling is canonical, as
/// `FixedPoint.format` writes it: optional `-`, integer digits without leading zeros, then, when
/// decimals > 0, a point and exactly `decimals` digits; no `-0`.
struct NumberPrefix: Hashable, Sendable {
    var negative = false
    var integerDigits: [UInt8] = []
    var hasPoint = false
    var fractionDigits: [UInt8] = []

    enum Symbol: Hashable { case minus, point, digit(UInt8) }

    /// Whether the written number is finished and inside [low, high] (units).
    func isComplete(decimals: Int, range: ClosedRange<Int64>) -> Bool {
        guard !integerDigits.isEmpty, fractionDigits.count == decimals, hasPoint == (decimals > 0) else { return false }
        guard let value = value(decimals: decimals) else { return false }
        if negative && value == 0 { return false }
        return range.contains(value)
    }

    private func value(decimals: Int) -> Int64? {
        var units: Int64 = 0
        for digit in integerDigits + fractionDigits {
            let (product, overflow) = units.multipliedReportingOverflow(by: 10)
            guard !overflow else { return nil }
            units = product + Int64(digit)
        }
        for _ in fractionDigits.count..<decimals { units *= 10 }
        return negative ? -units : units
    }

    /// Whether some canonical completion of this prefix lies inside [low, high].
    func canComplete(decimals: Int, range: ClosedRange<Int64>) -> Bool {
        if !negative && integerDigits.isEmpty {
            // Nothing written yet: a minus sign may still come.
            var signed = self
            signed.negative = true
            if signed.canComplete(decimals: decimals, range: range) { return true }
        }
        // Magnitude intervals reachable from here, in units; each is tested as soon as it is known.
        let scale = FixedPoint.powers[decimals]
        func overlaps(_ low: Int64, _ high: Int64) -> Bool {
            var lower = negative ? -high : low
            var upper = negative ? -low : high
            if negative && upper == 0 { upper = -1 }   // no -0
            lower = max(lower, range.lowerBound)
            upper = min(upper, range.upperBound)
            return lower <= upper
        }
        if hasPoint {
            var base: Int64 = 0
            for digit in integerDigits + fractionDigits {
                let (product, overflow) = base.multipliedReportingOverflow(by: 10)
                if overflow { return false }
                base = product + Int64(digit)
            }
            let free = FixedPoint.powers[decimals - fractionDigits.count]
            base *= free
            return overlaps(base, base + free - 1)
        }
        if integerDigits.isEmpty { return overlaps(negative ? 1 : 0, FixedPoint.maxUnits) }
        var head: Int64 = 0
        for digit in integerDigits {
            let (product, overflow) = head.multipliedReportingOverflow(by: 10)
            if overflow { return false }
            head = product + Int64(digit)
        }
        if integerDigits == [0] { return overlaps(0, scale - 1) }
        // k more integer digits, k = 0, 1, ... while the magnitude stays representable.
        var power: Int64 = 1
        while true {
            let (low, overflow) = head.multipliedReportingOverflow(by: power)
            if overflow || low > FixedPoint.maxUnits / scale { return false }
            let high = min(low + power - 1, FixedPoint.maxUnits / scale)
            if overlaps(low * scale, high * scale + scale - 1) { return true }
            if power > FixedPoint.maxUnits / 10 { return false }
            power *= 10
        }
    }

    /// The prefix after `symbol`, if it is a legal next character of a canonical number.
    func appending(_ symbol: Symbol, decimals: Int) -> NumberPrefix? {
        var next = self
        switch symbol {
        case .minus:
            guard !negative && integerDigits.isEmpty && !hasPoint else { return nil }
            next.negative = true
        case .point:
            guard decimals > 0, !hasPoint, !integerDigits.isEmpty else { return nil }
            next.hasPoint = true
        case .digit(let d):
            if hasPoint {
                guard fractionDigits.count < decimals else { return nil }
                next.fractionDigits.append(d)
            } else {
                if integerDigits == [0] { return nil }   // no leading zeros
                next.integerDigits.append(d)
            }
        }
        return next
    }
}
