/// A setting a run cannot take (an option out of range, or one that contradicts the checkpoint or
/// schema it is used with). The command line reports it as it reports a bad option: one line and
/// the command's help, exit 64.
public struct OptionError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) { self.message = message }

    public var description: String { InputError.oneLine(message) }
}
