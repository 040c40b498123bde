import ArgumentParser
import TablmCore

/// `--schema` and `--template`, shared by every command that reads or writes row text.
struct RowTextOptions: ParsableArguments {
    @Option(help: "Schema JSON file (from `tablm schema infer`, or written by hand).")
    var schema: String

    @Option(help: "Row template file (default: the built-in one, the same as Prompts/row-template.txt).")
    var template: String?

    func load() throws -> RowSerializer {
        let schema = try SchemaFile.load(path: self.schema)
        let template = try self.template.map(RowTemplate.load(path:)) ?? .standard
        try template.validate(against: schema, file: self.template ?? self.schema)
        return RowSerializer(schema: schema, template: template)
    }
}
