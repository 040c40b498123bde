/// `tablm tokenize`'s input: lines of row text (standard input), each encoded. Lines are read through
/// `TextLines`, so that none past 16 MiB is held (`readLine` held a 500 MB line in 24 GB, and `<
/// /dev/zero` ran until memory ran out), and none longer than `longestLine` reaches SentencePiece,
/// whose time grows with the square of a run of characters it cannot represent (400,000 'ä' took
/// 10.5 s before the line was refused as outside the alphabet).
public final class TokenizedLines {
    /// The longest line encoded, in bytes: 1,024 columns (the most a schema has) of 256 bytes of
    /// name and value each. Row text comes nowhere near it (Adult's rows are about 320 bytes, 40
    /// tokens), and the worst line SentencePiece is given then takes about a second.
    public static let longestLine = 1 << 18

    public let tokenizer: Tokenizer
    private let lines: TextLines

    public init(tokenizer: Tokenizer, lines: TextLines) {
        self.tokenizer = tokenizer
        self.lines = lines
    }

    /// The next line's ids, or nil at the end; a line too long, not UTF-8 or outside the tokenizer's
    /// alphabet is an `InputError` naming its line.
    public func next() throws -> [Int32]? {
        guard let (number, text) = try lines.next() else { return nil }
        let location = SourceLocation(file: lines.path, line: number)
        let length = text.utf8.count
        guard length <= Self.longestLine else {
            throw InputError("a line of \(length) bytes, longer than the \(Self.longestLine) bytes a row of text may take", at: location)
        }
        do {
            return try tokenizer.encode(text)
        } catch {
            throw InputError(error.message, at: location)
        }
    }
}
