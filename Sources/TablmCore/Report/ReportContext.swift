import Foundation

/// Where an evaluation's figures come from, stated before them: the files read and how many rows
/// each held and kept (rows that do not fit the schema are left out), the tablm release, the date
/// and the machine. Without it a report cannot be checked against its inputs or another run.
public struct ReportContext: Codable, Sendable, Equatable {
    public struct Table: Codable, Sendable, Equatable {
        /// What the table is to the evaluation: "real training rows", "synthetic rows".
        public var role: String
        public var path: String
        /// Records read, and those that fit the schema and were evaluated.
        public var rowsRead: Int
        public var rowsKept: Int

        public init(role: String, path: String, rowsRead: Int, rowsKept: Int) {
            self.role = role
            self.path = path
            self.rowsRead = rowsRead
            self.rowsKept = rowsKept
        }
    }

    public var tables: [Table]
    public var schema: String
    public var checkpoint: String?
    public var target: String
    /// The sensitive column and where it came from ("--sensitive", "the schema"), nil for none.
    public var sensitive: String?
    public var version: String
    /// UTC, ISO 8601 ("2025-12-05T13:09:00Z").
    public var date: String
    public var machine: MachineDescription

    public init(tables: [Table], schema: String, checkpoint: String?, target: String, sensitive: String?,
                version: String = TablmVersion.string, date: Date = Date(), machine: MachineDescription = .current) {
        self.tables = tables
        self.schema = schema
        self.checkpoint = checkpoint
        self.target = target
        self.sensitive = sensitive
        self.version = version
        self.date = Self.iso8601(date)
        self.machine = machine
    }

    public static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
