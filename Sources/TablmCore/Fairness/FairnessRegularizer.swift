import Foundation

/// `finetune --fairness-lambda`: a demographic-parity term on the model's own predictions,
/// L_fair = λ · mean over fair columns c and both directions of the mean over ordered pairs of
/// KL(P_θ(c | S = a) ‖ P_θ(c | S = b)) (groups a ≠ b) and KL(P_θ(S | c = v) ‖ P_θ(S | c = w))
/// (values v ≠ w), each P read on a probe prompt (`FairnessProbes`) as the softmax over the value
/// tokens. Rows are written in random column order, so the model can carry the dependence either
/// way: measured on a two-column table, the first direction alone halved the generated parity gap
/// while its probes were already equal. Ordered pairs make the term symmetric: no group is the
/// reference.
///
/// Privacy: the probes contain no rows, so this term's gradient is a function of the current
/// parameters alone. Under `--dp` it is added to the update after the per-row clipping and the
/// noise: post-processing of a differentially private model costs no ε. (A term that read private
/// rows would have to go through per-row clipping instead.)
public final class FairnessRegularizer: TrainingTerm {
    public let probes: FairnessProbes
    public let lambda: Double
    private let padding: Int32
    private var batch: TokenBatch
    /// Each family: members whose next-token distributions over `tokens` should agree; a member's
    /// distribution is the mean over its probe rows (one row, or one group's sampled contexts).
    /// `marginal` families (group-conditioned contexts) carry half of λ, the others the other half.
    private var families: [Family]

    struct Family {
        var members: [[Int]]
        var tokens: [Int32]
        var marginal = false
    }
    private var lastPositions: [Int]
    /// A replica of the trained model (same parameters) that runs the probes, so that the model's
    /// own activations, sized for training batches, are not reallocated every step.
    private var worker: AnyObject?
    /// The representation term's replica (its prompts have another shape: one replica each keeps
    /// both sets of activations allocated).
    private var representationWorker: AnyObject?

    /// A cached replica of `model` (same parameters, own gradients and activations).
    private static func replica<S: ModelScalar>(of model: GPT2<S>, cache: inout AnyObject?) -> GPT2<S> {
        if let cached = cache as? GPT2<S>, cached.parameters.baseAddress == model.parameters.baseAddress { return cached }
        let replica = GPT2(replicaOf: model)
        cache = replica
        return replica
    }

    private static func add<S: ModelScalar>(_ own: UnsafeMutableBufferPointer<S>, into total: UnsafeMutableBufferPointer<S>) {
        for i in total.indices { total[i] += own[i] }
    }

    /// Probe prompts the term runs each step.
    public var promptCount: Int { batch.batch }

    /// The representation term (`--representation-lambda`), run on a replica of its own and fed the
    /// same generated rows as contexts; nil when off.
    public var representation: RepresentationIndependence?

    public init(probes: FairnessProbes, lambda: Double, padding: Int32) throws {
        self.probes = probes
        self.lambda = lambda
        self.padding = padding
        (batch, families, lastPositions) = try Self.build(probes: probes, contexts: [""], groupContexts: [], padding: padding)
    }

    /// Where counterfactual contexts come from, every `every` steps (nil: bare probes only):
    /// `rows(step)` samples rows from the model being trained, and for each group g rows whose
    /// sensitive value is g, written first. A closure, so that this folder needs no sampler.
    public var contextSource: (rows: (_ step: Int) throws -> (all: [Row], byGroup: [[Row]]), every: Int)?

    /// Before step `step`: refreshes the contexts from the current model when they are due.
    public func prepare(step: Int) throws {
        guard let source = contextSource, step % max(source.every, 1) == 0 else { return }
        let (rows, groupRows) = try source.rows(step)
        var generator = SplitMix64(seed: UInt64(step) &+ 0xC0DE)
        // For fair column c and group g: "S is g, " then a random subset of the row's other columns.
        let groupContexts = probes.columns.map { column in
            groupRows.map { rows in
                rows.map { row in
                    probes.contextText(row, columns: [probes.sensitive] + probes.randomOthers(than: column.column, using: &generator))
                }
            }
        }
        try useContexts(contexts(from: rows, seed: UInt64(step) &+ 0xFA1E), groupContexts: groupContexts)
        try representation?.useRows(rows, seed: UInt64(step) &+ 0xC4A)
    }

    /// Counterfactual probes: each context (row text of other columns, from rows the model itself
    /// generated) is followed by every group in turn, so the term compares groups in the same
    /// surroundings, where the dependence also flows through columns that carry S. The bare
    /// probes stay in as well.
    ///
    /// `groupContexts[c][g]`: row texts that start with group g's sensitive field (rows the model
    /// generated under that condition) for fair column c. Each group's member is the mean of the
    /// model's distributions after them: the model's own P(value | S = g) as generation realises
    /// it, the quantity demographic parity is about, proxies included.
    public func useContexts(_ contexts: [String], groupContexts: [[[String]]] = []) throws {
        (batch, families, lastPositions) = try Self.build(probes: probes, contexts: [""] + contexts, groupContexts: groupContexts,
                                                          padding: padding)
    }

    /// Contexts from `rows` (generated by the model, never the table): for each row and fair column,
    /// a random-length prefix of a random order of the columns other than S and the fair one, as in
    /// generation, where a value is written after a random subset of the others.
    public func contexts(from rows: [Row], seed: UInt64) -> [String] {
        var generator = SplitMix64(seed: seed)
        return rows.flatMap { row in
            probes.columns.map { column in probes.contextText(row, columns: probes.randomOthers(than: column.column, using: &generator)) }
        }
    }

    private static func build(probes: FairnessProbes, contexts: [String], groupContexts: [[[String]]], padding: Int32) throws
        -> (TokenBatch, [Family], [Int]) {
        var prompts: [[Int32]] = [], families: [Family] = []
        func add(_ family: [[Int32]], over tokens: [Int32]) {
            families.append(Family(members: (prompts.count..<(prompts.count + family.count)).map { [$0] }, tokens: tokens))
            prompts += family
        }
        for context in contexts {
            for (c, column) in probes.columns.enumerated() {
                add(try probes.groups.indices.map { try probes.prompt(group: $0, column: c, context: context) }, over: column.tokens)
                add(try column.values.indices.map { try probes.reversePrompt(value: $0, column: c, context: context) }, over: probes.groupTokens)
            }
        }
        for (c, perGroup) in groupContexts.enumerated() where perGroup.allSatisfy({ !$0.isEmpty }) {
            var members: [[Int]] = []
            for texts in perGroup {
                members.append(try texts.map { text in
                    prompts.append(try probes.valuePrompt(context: text, column: c))
                    return prompts.count - 1
                })
            }
            families.append(Family(members: members, tokens: probes.columns[c].tokens, marginal: true))
        }
        let (batch, lastPositions) = FairnessProbes.batch(prompts, padding: padding)
        return (batch, families, lastPositions)
    }

    /// KL(p ‖ q) and its gradients with respect to the probabilities: log p − log q + 1 and −p/q.
    static func divergenceGradient(p: [Double], q: [Double]) -> (value: Double, dp: [Double], dq: [Double]) {
        let kl = zip(p, q).reduce(0.0) { $0 + ($1.0 > 0 ? $1.0 * (log($1.0) - log($1.1)) : 0) }
        return (kl, zip(p, q).map { $0 > 0 ? log($0) - log($1) + 1 : 0 }, zip(p, q).map { -$0 / $1 })
    }

    /// Through p = softmax(z): dL/dz_i = p_i (g_i − Σ_j p_j g_j) for g = dL/dp. For KL(p ‖ q) this
    /// gives p_j (log p_j − log q_j − KL) for p's logits and q_j − p_j for q's.
    static func logitGradient(p: [Double], g: [Double]) -> [Double] {
        let dot = zip(p, g).reduce(0.0) { $0 + $1.0 * $1.1 }
        return zip(p, g).map { $0 * ($1 - dot) }
    }

    /// The terms' value at the model's current parameters (KL, plus the representation term when
    /// set); adds their gradient to `model.gradients`.
    @discardableResult
    public func addGradient<S: ModelScalar>(to model: GPT2<S>) -> Double {
        guard lambda != 0 || representation != nil, probes.groups.count > 1 else { return 0 }
        let representationValue = representation.map { term in
            let replica = Self.replica(of: model, cache: &representationWorker)
            replica.zeroGradients()
            let value = term.addGradient(to: replica)
            Self.add(replica.gradients, into: model.gradients)
            return value
        } ?? 0
        guard lambda != 0 else { return representationValue }
        let replica = Self.replica(of: model, cache: &worker)
        defer { Self.add(replica.gradients, into: model.gradients) }
        replica.zeroGradients()
        let model = replica
        model.forward(tokens: batch.tokens, batch: batch.batch, length: batch.length)
        let v = model.config.vocabularySize
        var value = 0.0
        var gradients: [(row: Int, token: Int32, value: Double)] = []
        let marginalCount = families.filter(\.marginal).count, otherCount = families.count - marginalCount
        for family in families where family.members.count > 1 {
            let pairs = Double(family.members.count * (family.members.count - 1))
            let share = family.marginal ? (otherCount > 0 ? 0.5 : 1) / Double(marginalCount) : (marginalCount > 0 ? 0.5 : 1) / Double(otherCount)
            let weight = lambda * share / pairs
            // Each probe row's softmax over the family's tokens, from its logits; a member's mean.
            let rowDistributions = family.members.map { rows in
                rows.map { row -> [Double] in
                    let logits = model.logits(row: row, position: lastPositions[row])
                    return FairnessProbes.softmax(family.tokens.map { Double(logits[Int($0)]) })
                }
            }
            let means = rowDistributions.map { distributions in
                family.tokens.indices.map { i in distributions.reduce(0.0) { $0 + $1[i] } / Double(distributions.count) }
            }
            // dL/d(mean distribution) per member, then through each row's softmax, divided by the
            // member's K rows.
            var meanGradients = means.map { [Double](repeating: 0, count: $0.count) }
            for a in family.members.indices {
                for b in family.members.indices where a != b {
                    let (kl, ga, gb) = Self.divergenceGradient(p: means[a], q: means[b])
                    value += weight * kl
                    for i in family.tokens.indices {
                        meanGradients[a][i] += weight * ga[i]
                        meanGradients[b][i] += weight * gb[i]
                    }
                }
            }
            for (m, rows) in family.members.enumerated() {
                for (k, row) in rows.enumerated() {
                    let dz = Self.logitGradient(p: rowDistributions[m][k], g: meanGradients[m])
                    for (i, token) in family.tokens.enumerated() { gradients.append((row, token, dz[i] / Double(rows.count))) }
                }
            }
        }
        let length = batch.length
        model.backward(logitGradients: { dlogits in
            for entry in gradients {
                dlogits[(entry.row * length + lastPositions[entry.row]) * v + Int(entry.token)] += S(entry.value)
            }
        })
        return value + representationValue
    }
}
