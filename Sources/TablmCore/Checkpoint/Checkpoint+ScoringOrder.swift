extension Checkpoint {
    /// The order this checkpoint's rows are scored in (row likelihoods): the first it was trained in;
    /// nil, the schema's, for a model trained in random orders only.
    public func scoringOrder() throws -> [Int]? {
        try ColumnOrderChoice.orders(recorded: record.columnOrders, schema: schema)?.first
    }
}
