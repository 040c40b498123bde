import Foundation

/// Undoes, at generation time, the mix that group-balanced training (`GroupBalancedSampling`) taught
/// the model: trained on batches where group g is drawn at rate q_g, the model learns the table
/// with each group's share π_g scaled by q_g, so its rows would show the groups about equally often.
///
/// Where the model writes the sensitive value, after whatever columns x came first, it gives
/// P_train(g | x) ∝ q_g π_g P(x | g). Adding log(1 / q_g) to group g's logit (and renormalising)
/// gives ∝ π_g P(x | g) = P(g | x) of the real mix, and every later column depends on g and x as
/// before, so the rows follow the table's own group shares again. The rates are public (functions of
/// the released noisy counts), so this costs no privacy.
public struct GroupShareCorrection: Sendable {
    /// The sensitive column (schema index).
    public let column: Int
    /// Added to each group's value token at the column's value start.
    public let shift: [Int32: Float]

    /// - Throws: when a group's value is not a single token (the shift acts on the value's first token).
    public init(balance: GroupBalancedSampling, template: RowTemplate, tokenizer: Tokenizer) throws {
        column = balance.columnIndex
        let spellings = balance.groups.map { $0.isEmpty ? template.missing : $0 }
        // The shift acts at the value start after the lead-in, which a field piece would skip.
        guard try !tokenizer.joinsLeadIn(ofColumn: balance.column, values: spellings, template: template) else {
            throw InputError("--balance-groups: this tokenizer writes \(quoted: balance.column)'s lead-in and value as one piece; the share correction needs them apart (a tokenizer trained without field pieces)")
        }
        var shift: [Int32: Float] = [:]
        for (spelling, rate) in zip(spellings, balance.rates) {
            let ids = try tokenizer.encode(spelling)
            guard ids.count == 1 else {
                throw InputError("--balance-groups: \(quoted: spelling) of \(quoted: balance.column) is \(ids.count) tokens; the share correction needs one token per group (train the tokenizer from the schema)")
            }
            shift[ids[0]] = Float(-log(rate))
        }
        self.shift = shift
    }
}
