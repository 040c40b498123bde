/// --column-orders: rows written in the table's own order (the schema's, with the target column
/// last), with a share of uses in a fresh random order; or every use in a random order.
public enum ColumnOrderChoice: String, CaseIterable, Sendable {
    case schema, random

    /// The orders training draws from (nil: random only).
    public func orders(schema: Schema) -> [[Int]]? {
        switch self {
        case .random: return nil
        case .schema: return [Self.tableOrder(schema)]
        }
    }

    /// The schema's column order with the target (if the schema names one) moved last, so one
    /// conditional the model learns is the target given every other column: what a classifier
    /// trained on the synthetic rows is asked.
    public static func tableOrder(_ schema: Schema) -> [Int] {
        let target = schema.target.flatMap { schema.index(of: $0) }
        return schema.columns.indices.filter { $0 != target } + (target.map { [$0] } ?? [])
    }

    /// The orders a checkpoint recorded, as column indices; each must name every column once.
    public static func orders(recorded: [[String]]?, schema: Schema) throws -> [[Int]]? {
        try recorded?.map { names in
            let order = names.compactMap { schema.index(of: $0) }
            guard names.count == schema.columns.count, order.count == names.count, Set(order).count == order.count else {
                throw OptionError("the checkpoint's column_orders do not list every column of its schema once")
            }
            return order
        }
    }
}
