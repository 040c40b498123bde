import Foundation

/// What the model did at one of the two positions `FairnessMask` acts on, in a pilot row: its
/// logits there, before any shift (−∞ for a token the schema's constraint did not allow).
public struct FairnessObservation: Sendable {
    public enum Position: Sendable, Equatable {
        /// At fair column `column`'s value (an index into the mask's columns), in a row of `group`.
        case value(column: Int, group: Int)
        /// At the sensitive value, in a row whose fair values so far are `values` (nil: not yet written).
        case group(values: [Int?])
    }

    public var position: Position
    /// Over the column's values, or over the groups.
    public var logits: [Float]

    public init(position: Position, logits: [Float]) {
        self.position = position
        self.logits = logits
    }
}

/// Fits `FairnessMask`'s shifts to the model's own behaviour on a pilot sample.
///
/// From the observations, the model's joint distribution q(g, v) of group and fair value is
/// estimated with its own softmax where it is random (the value in a row whose group is known,
/// the group in a row whose value is known) and the drawn value where it is fixed: a
/// Rao–Blackwellised estimate, steadier than counting drawn rows. Its marginals are kept: the
/// group shares q(g) and the pooled P(v). Each group's target is (1 − t)·P(v | g) + t·P(v), the
/// strength t moving the groups along the line from the model to parity, as the repair level of
/// Feldman et al. 2015 ("Certifying and removing disparate impact") does for a feature; the pooled
/// P(v) is unchanged by construction.
///
/// Then, with nothing written before the shifted position changing, the shifts that reach the
/// targets on the pilot rows are found by iterative scaling (shift += T·log(target / mean softmax)),
/// the fixed point of a convex moment-matching problem: the mean over a group's rows of
/// softmax((z + shift)/T) equals its target.
public enum FairnessCalibration {
    /// Sets the shifts, the model's conditional and pooled distributions, and the group shares of
    /// `mask` from `observations`, for sampling at `temperature`. `reference[c]`, where given, is the
    /// P(value | group) column c starts from instead of the model's (the prior's released rates): the
    /// targets become (1 − t)·ref(v | g) + t·Σ_g q(g)·ref(v | g), q the model's group shares; then even
    /// strength 0 shifts the model.
    public static func calibrate(_ mask: inout FairnessMask, observations: [FairnessObservation], temperature: Double,
                                 reference: [[[Double]]?]? = nil) {
        let t = mask.strength, temperature = max(temperature, 1e-6)
        let groups = mask.groups.count
        var shares = [Double](repeating: 0, count: groups), shareCount = 0.0
        var targets: [[[Double]]] = []   // [column][group][value]
        for c in mask.columns.indices {
            let values = mask.columns[c].values.count
            var joint = [[Double]](repeating: [Double](repeating: 0, count: values), count: groups)
            var count = 0.0
            for observation in observations {
                switch observation.position {
                case .value(let column, let group) where column == c:
                    let p = softmax(observation.logits, temperature: temperature)
                    for v in 0..<values { joint[group][v] += p[v] }
                    count += 1
                case .group(let known) where known[c] != nil:
                    let p = softmax(observation.logits, temperature: temperature)
                    for g in 0..<groups { joint[g][known[c]!] += p[g] }
                    count += 1
                default: continue
                }
            }
            guard count > 0 else {
                targets.append([])
                continue
            }
            let share = joint.map { $0.reduce(0, +) / count }
            let pooled = (0..<values).map { v in joint.reduce(0.0) { $0 + $1[v] } / count }
            let conditional = joint.map { row in row.map { $0 / max(row.reduce(0, +), 1e-300) } }
            mask.columns[c].conditional = conditional
            mask.columns[c].pooled = pooled
            var base = conditional, basePooled = pooled
            if let r = reference?[c] {
                base = r
                basePooled = (0..<values).map { v in groups == 0 ? 0 : (0..<groups).reduce(0.0) { $0 + share[$1] * r[$1][v] } }
            }
            targets.append(base.map { row in zip(row, basePooled).map { (1 - t) * $0 + t * $1 } })
            mask.columns[c].target = targets[c]
            for g in 0..<groups { shares[g] += share[g] }
            shareCount += 1
        }
        if shareCount > 0 { mask.groupShares = shares.map { $0 / shareCount } }
        // Strength 0 is the model as it is: no shift at all, whatever the pilot's sampling noise.
        guard t > 0 || reference != nil else { return }
        fitValueShifts(&mask, observations: observations, targets: targets, temperature: temperature)
        fitGroupShifts(&mask, observations: observations, targets: targets, temperature: temperature)
    }

    /// The fewest observations of one group (rows that wrote the group first, by group) or of one
    /// value (rows that wrote a fair value first, by value), among those seen at all: what limits the
    /// precision of the shifts. 0 when there are none.
    public static func fewestObservations(_ observations: [FairnessObservation]) -> Int {
        struct Cell: Hashable { var groupFirst: Bool, column: Int, index: Int }
        var counts: [Cell: Int] = [:]
        for observation in observations {
            switch observation.position {
            case .value(let column, let group): counts[Cell(groupFirst: true, column: column, index: group), default: 0] += 1
            case .group(let values):
                for (column, value) in values.enumerated() { if let value { counts[Cell(groupFirst: false, column: column, index: value), default: 0] += 1 } }
            }
        }
        return counts.values.min() ?? 0
    }

    /// Largest change of a shift in one round below which the fit has converged, and the rounds at most.
    static let tolerance = 1e-7
    static let rounds = 500
    /// Shifts stay finite: a target the model gives no mass can only be approached.
    static let largestShift: Float = 30

    private static func fitValueShifts(_ mask: inout FairnessMask, observations: [FairnessObservation], targets: [[[Double]]], temperature: Double) {
        for c in mask.columns.indices where !targets[c].isEmpty {
            for g in mask.groups.indices {
                let rows = observations.compactMap { o -> [Float]? in o.position == .value(column: c, group: g) ? o.logits : nil }
                guard !rows.isEmpty else { continue }
                mask.columns[c].logitShift[g] = fit(rows: rows, target: targets[c][g], temperature: temperature)
            }
        }
    }

    /// The group shifts of several fair columns add up in a row that wrote several of them before
    /// the sensitive value; they are fitted together, one (column, value) at a time, until none moves.
    private static func fitGroupShifts(_ mask: inout FairnessMask, observations: [FairnessObservation], targets: [[[Double]]], temperature: Double) {
        let rows = observations.compactMap { o -> (values: [Int?], logits: [Float])? in
            if case .group(let values) = o.position { return (values, o.logits) } else { return nil }
        }
        guard !rows.isEmpty else { return }
        for _ in 0..<20 {
            var moved = 0.0
            for c in mask.columns.indices where !targets[c].isEmpty {
                for v in mask.columns[c].values.indices {
                    let own = rows.filter { $0.values[c] == v }
                    guard !own.isEmpty else { continue }
                    // The target P(g | v) of the joint share(g)·target_g(v).
                    let joint = mask.groups.indices.map { mask.groupShares[$0] * targets[c][$0][v] }
                    let total = joint.reduce(0, +)
                    guard total > 0 else { continue }
                    let others = own.map { row -> [Float] in
                        var shift = [Float](repeating: 0, count: mask.groups.count)
                        for (other, value) in row.values.enumerated() where other != c { if let value { for g in shift.indices { shift[g] += mask.columns[other].groupShift[value][g] } } }
                        return zip(row.logits, shift).map { $0 + $1 }
                    }
                    let before = mask.columns[c].groupShift[v]
                    mask.columns[c].groupShift[v] = fit(rows: others, target: joint.map { $0 / total }, temperature: temperature)
                    moved = max(moved, zip(before, mask.columns[c].groupShift[v]).map { Double(abs($0 - $1)) }.max() ?? 0)
                }
            }
            if moved < tolerance { break }
        }
    }

    /// The shift s with mean over `rows` of softmax((z + s)/T) = `target`, by iterative scaling.
    static func fit(rows: [[Float]], target: [Double], temperature: Double) -> [Float] {
        var shift = [Double](repeating: 0, count: target.count)
        for _ in 0..<rounds {
            var mean = [Double](repeating: 0, count: target.count)
            for row in rows {
                let p = softmax(zip(row, shift).map { $0 + Float($1) }, temperature: temperature)
                for v in mean.indices { mean[v] += p[v] / Double(rows.count) }
            }
            var largest = 0.0
            for v in shift.indices where target[v] > 1e-12 && mean[v] > 1e-300 {
                let step = temperature * Foundation.log(target[v] / mean[v])
                shift[v] = min(max(shift[v] + step, -Double(largestShift)), Double(largestShift))
                largest = max(largest, abs(step))
            }
            if largest < tolerance { break }
        }
        return shift.map { Float($0) }
    }

    /// softmax(z / T) in double precision; −∞ entries get 0.
    static func softmax(_ logits: [Float], temperature: Double) -> [Double] {
        FairnessProbes.softmax(logits.map { Double($0) / temperature })
    }
}
