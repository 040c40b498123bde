import Foundation

/// What kind of values a column holds.
public enum ColumnKind: String, Codable, Sendable, CaseIterable {
    /// A value from a fixed list of categories.
    case categorical
    /// A whole number inside [min, max].
    case integer
    /// A decimal number inside [min, max] with a fixed number of decimals (`precision`).
    case real
}

/// Where a schema's facts come from. Under differential privacy this decides whether the schema may be
/// used at all: a schema read off the private rows reveals their categories and ranges.
public enum SchemaSource: String, Codable, Sendable, CaseIterable {
    /// Read off the rows of a data file (`tablm schema infer`); reveals that file's categories and ranges.
    case data
    /// Declared by the user from public knowledge (a codebook, a published form), not from private rows.
    case `public`
    /// Estimated from private rows under differential privacy; `privacy_cost` says what it spent.
    case dp
}

/// One column of a table.
public struct ColumnSchema: Codable, Equatable, Sendable {
    public var name: String
    public var kind: ColumnKind
    /// The allowed values of a categorical column, in a fixed order.
    public var categories: [String]?
    /// Inclusive bounds of a numeric column.
    public var min: Double?
    public var max: Double?
    /// Decimals kept for a real column (0 for integers).
    public var precision: Int?
    /// Whether the column may be missing (an empty CSV field).
    public var allowsMissing: Bool
    /// The only whole numbers an integer column's generated values take, ascending (nil: any in
    /// [min, max]). A model spells numbers digit by digit and can write values the table never
    /// holds (capital gains of 7,689 beside the real 7,688); listed values keep it to the real ones.
    /// Generation only: reading a row does not check them.
    public var values: [Int64]?

    /// The most values a column may list.
    public static let largestValueList = 4096

    enum CodingKeys: String, CodingKey {
        case name, kind, categories, min, max, precision, values
        case allowsMissing = "allows_missing"
    }

    public init(name: String, kind: ColumnKind, categories: [String]? = nil, min: Double? = nil,
                max: Double? = nil, precision: Int? = nil, allowsMissing: Bool = false, values: [Int64]? = nil) {
        self.name = name
        self.kind = kind
        self.categories = categories
        self.min = min
        self.max = max
        self.precision = precision
        self.allowsMissing = allowsMissing
        self.values = values
    }

    public static func categorical(_ name: String, _ categories: [String], allowsMissing: Bool = false) -> ColumnSchema {
        ColumnSchema(name: name, kind: .categorical, categories: categories, allowsMissing: allowsMissing)
    }

    public static func integer(_ name: String, min: Int64, max: Int64, allowsMissing: Bool = false, values: [Int64]? = nil) -> ColumnSchema {
        ColumnSchema(name: name, kind: .integer, min: Double(min), max: Double(max), precision: 0,
                     allowsMissing: allowsMissing, values: values)
    }

    public static func real(_ name: String, min: Double, max: Double, precision: Int,
                            allowsMissing: Bool = false) -> ColumnSchema {
        ColumnSchema(name: name, kind: .real, min: min, max: max, precision: precision, allowsMissing: allowsMissing)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        kind = try container.decode(ColumnKind.self, forKey: .kind)
        categories = try container.decodeIfPresent([String].self, forKey: .categories)
        min = try container.decodeIfPresent(Double.self, forKey: .min)
        max = try container.decodeIfPresent(Double.self, forKey: .max)
        precision = try container.decodeIfPresent(Int.self, forKey: .precision)
        allowsMissing = try container.decodeIfPresent(Bool.self, forKey: .allowsMissing) ?? false
        // Read as numbers and checked here, so that 1.5 is named at its key (JSONDecoder's own
        // Int64 error carries no position).
        values = try container.decodeIfPresent([Double].self, forKey: .values).map { numbers in
            try numbers.map { number in
                guard number == number.rounded(), abs(number) <= 0x1p53 else {
                    throw DecodingError.dataCorruptedError(forKey: .values, in: container,
                                                           debugDescription: "values must be whole numbers (found \(number))")
                }
                return Int64(number)
            }
        }
    }

    /// Decimals of this column's numbers: 0 for integers.
    public var decimals: Int { kind == .real ? (precision ?? 0) : 0 }

    /// The numeric bounds in units of 10^-decimals (see `FixedPoint`).
    public var unitRange: ClosedRange<Int64> {
        FixedPoint.units(of: min ?? 0, decimals: decimals)...FixedPoint.units(of: max ?? 0, decimals: decimals)
    }
}

/// A table's columns and their roles, stored as a hand-editable JSON file.
public struct Schema: Codable, Equatable, Sendable {
    public static let currentVersion = 1
    /// Longest column name and category, in characters: a row stays a few hundred tokens, and the
    /// tokenizer's training, quadratic in a piece's length, stays fast (8,000 characters took minutes).
    public static let longestName = 256, longestCategory = 512
    /// Most columns, and most categories of one column (product limits, not measured ones): a row of
    /// 1,024 fields is thousands of tokens, against Adult's 15 columns in well under a hundred, and
    /// checking a schema, training its tokenizer and inferring one grow faster than linearly with
    /// both (20,000 columns or 1,000,000 categories ran for minutes and gigabytes before anything was said).
    public static let largestColumnCount = 1024, largestCategoryCount = 65_536

    public var version: Int
    public var source: SchemaSource
    /// The column a downstream model predicts (e.g. `income`).
    public var target: String?
    /// Columns whose influence fairness work controls (e.g. `sex`).
    public var sensitive: [String]
    public var columns: [ColumnSchema]
    /// For `"source": "dp"`: the (ε, δ) its estimation spent.
    public var privacyCost: PrivacyCost?

    enum CodingKeys: String, CodingKey {
        case version, source, target, sensitive, columns
        case privacyCost = "privacy_cost"
    }

    public init(columns: [ColumnSchema], source: SchemaSource, target: String? = nil, sensitive: [String] = []) {
        self.version = Self.currentVersion
        self.source = source
        self.target = target
        self.sensitive = sensitive
        self.columns = columns
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        version = try container.decodeIfPresent(Int.self, forKey: .version) ?? Self.currentVersion
        source = try container.decode(SchemaSource.self, forKey: .source)
        target = try container.decodeIfPresent(String.self, forKey: .target)
        sensitive = try container.decodeIfPresent([String].self, forKey: .sensitive) ?? []
        columns = try container.decode([ColumnSchema].self, forKey: .columns)
        privacyCost = try container.decodeIfPresent(PrivacyCost.self, forKey: .privacyCost)
    }

    public var columnNames: [String] { columns.map(\.name) }

    public func index(of name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
