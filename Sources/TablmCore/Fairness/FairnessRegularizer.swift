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
public final class FairnessRegularizer {
    public let probes: FairnessProbes
    public let lambda: Double
    private let batch: TokenBatch
    /// Each family: the probe rows whose next-token distributions over `tokens` should agree.
    private let families: [(rows: [Int], tokens: [Int32])]
    private let lastPositions: [Int]
    /// A replica of the trained model (same parameters) that runs the probes, so that the model's
    /// own activations, sized for training batches, are not reallocated every step.
    private var worker: AnyObject?

    /// Probe prompts the term runs each step.
    public var promptCount: Int { batch.batch }

    public init(probes: FairnessProbes, lambda: Double, padding: Int32) throws {
        self.probes = probes
        self.lambda = lambda
        var prompts: [[Int32]] = [], families: [(rows: [Int], tokens: [Int32])] = []
        func add(_ family: [[Int32]], over tokens: [Int32]) {
            families.append(((prompts.count..<(prompts.count + family.count)).map { $0 }, tokens))
            prompts += family
        }
        for (c, column) in probes.columns.enumerated() {
            add(try probes.groups.indices.map { try probes.prompt(group: $0, column: c) }, over: column.tokens)
            add(try column.values.indices.map { try probes.reversePrompt(value: $0, column: c) }, over: probes.groupTokens)
        }
        let length = prompts.map(\.count).max() ?? 1
        var tokens: [Int32] = []
        for prompt in prompts { tokens += prompt + [Int32](repeating: padding, count: length - prompt.count) }
        batch = TokenBatch(tokens: tokens, targets: [], weights: [], batch: prompts.count, length: length, validTokens: 0)
        self.families = families
        lastPositions = prompts.map { $0.count - 1 }
    }

    /// KL(p ‖ q) for p = softmax(zp), q = softmax(zq), and its gradients with respect to zp and zq:
    /// ∂/∂zp_j = p_j (log p_j − log q_j − KL), ∂/∂zq_j = q_j − p_j.
    static func divergence(p: [Double], q: [Double]) -> (value: Double, dp: [Double], dq: [Double]) {
        let terms = zip(p, q).map { $0 > 0 ? $0 * (log($0) - log($1)) : 0 }
        let kl = terms.reduce(0, +)
        let dp = zip(p, q).map { $0 > 0 ? $0 * (log($0) - log($1) - kl) : 0 }
        return (kl, dp, zip(p, q).map { $1 - $0 })
    }

    /// The term's value at the model's current parameters; adds its gradient to `model.gradients`.
    @discardableResult
    public func addGradient<S: ModelScalar>(to model: GPT2<S>) -> Double {
        guard lambda != 0, probes.groups.count > 1 else { return 0 }
        let replica: GPT2<S>
        if let cached = worker as? GPT2<S>, cached.parameters.baseAddress == model.parameters.baseAddress {
            replica = cached
        } else {
            replica = GPT2(replicaOf: model)
            worker = replica
        }
        defer {
            let total = model.gradients, own = replica.gradients
            for i in total.indices { total[i] += own[i] }
        }
        replica.zeroGradients()
        let model = replica
        model.forward(tokens: batch.tokens, batch: batch.batch, length: batch.length)
        let v = model.config.vocabularySize
        var value = 0.0
        var gradients: [(row: Int, token: Int32, value: Double)] = []
        for family in families where family.rows.count > 1 {
            let pairs = Double(family.rows.count * (family.rows.count - 1))
            let weight = lambda / Double(families.count) / pairs
            // The softmax over the family's tokens, from their logits.
            let distributions = family.rows.map { row -> [Double] in
                let logits = model.logits(row: row, position: lastPositions[row])
                return FairnessProbes.softmax(family.tokens.map { Double(logits[Int($0)]) })
            }
            for a in family.rows.indices {
                for b in family.rows.indices where a != b {
                    let (kl, dp, dq) = Self.divergence(p: distributions[a], q: distributions[b])
                    value += weight * kl
                    for (i, token) in family.tokens.enumerated() {
                        gradients.append((family.rows[a], token, weight * dp[i]))
                        gradients.append((family.rows[b], token, weight * dq[i]))
                    }
                }
            }
        }
        let length = batch.length
        model.backward(logitGradients: { dlogits in
            for entry in gradients {
                dlogits[(entry.row * length + lastPositions[entry.row]) * v + Int(entry.token)] += S(entry.value)
            }
        })
        return value
    }
}
