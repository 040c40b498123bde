import ArgumentParser
import TablmCore

/// `--schema` and `--template`, shared by every command that reads or writes row text.
struct RowTextOptions: ParsableArguments {
    @Option(help: "Schema JSON file (from `tablm schema infer`, or written by hand).")
    var schema: String

    @Option(help: "Row template file (default: the built-in one, the same as Prompts/row-template.txt).")
    var template: String?

    /// The files read, which an output must not replace.
    var paths: [String?] { [schema, template] }

    func load() throws -> RowSerializer {
        let schema = try SchemaFile.load(path: self.schema)
        let template = try self.template.map(RowTemplate.load(path:)) ?? .standard
        try template.validate(against: schema, file: self.template ?? self.schema)
        return RowSerializer(schema: schema, template: template)
    }
}

/// One end of a numeric option's documented range.
enum RangeEnd {
    case open(Double), closed(Double)

    var bound: Double { switch self { case .open(let b), .closed(let b): b } }
    var isOpen: Bool { if case .open = self { true } else { false } }
}

/// Refuses a value outside its option's documented range, NaN and ±inf included, naming the option
/// (one line, exit 64) before any work; sizes are bounded here before anything is allocated.
func requireRange(_ option: String, _ value: Double?, _ lower: RangeEnd, _ upper: RangeEnd) throws {
    guard let value else { return }
    let aboveLower = lower.isOpen ? value > lower.bound : value >= lower.bound
    let belowUpper = upper.isOpen ? value < upper.bound : value <= upper.bound
    guard aboveLower && belowUpper else {
        let range = (lower.isOpen ? "(" : "[") + lower.bound.shortText + ", " + upper.bound.shortText + (upper.isOpen ? ")" : "]")
        throw ValidationError("\(option) must be in \(range) (got \(value.shortText))")
    }
}

func requireRange(_ option: String, _ value: Int?, _ lower: RangeEnd, _ upper: RangeEnd) throws {
    try requireRange(option, value.map(Double.init), lower, upper)
}

extension Double {
    /// `%g` with enough digits for a bound: 1e-05, 65536, 0.5.
    var shortText: String { String(format: "%.10g", self) }
}
