import CSentencePiece
import Foundation

/// Why text could not be tokenized.
public struct TokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// A SentencePiece model (Kudo & Richardson 2018) that maps row text to token ids and back.
///
/// Loaded from a standard `.model` file (a serialized `ModelProto`), so Python's `sentencepiece`
/// gives the same ids. Encoding refuses text with characters the model cannot represent instead of
/// silently mapping them to the unknown piece: a tokenizer made from a schema covers exactly the
/// characters that schema's rows can contain.
public final class Tokenizer: @unchecked Sendable {
    // SentencePieceProcessor's const methods are safe to call from several threads.
    private let processor: OpaquePointer
    public let modelBytes: [UInt8]
    public let corpus: TokenizerCorpus
    public let unknownID: Int32
    public let bosID: Int32
    public let eosID: Int32
    public let padID: Int32
    public let pieces: [String]
    /// Characters that have a single-character piece: text made only of these always encodes.
    private let singleCharacters: Set<Unicode.Scalar>

    public var vocabularySize: Int { pieces.count }

    public static func load(path: String) throws -> Tokenizer {
        let data = try InputFile.contents(path, what: "a tokenizer model", limit: InputFile.smallFileLimit)
        do {
            return try Tokenizer(modelBytes: Array(data))
        } catch let error as TokenizerError {
            throw InputError("not a SentencePiece model: \(error.message)", at: SourceLocation(file: path))
        }
    }

    public init(modelBytes: [UInt8]) throws {
        // Parse the proto ourselves first: it rejects truncated or foreign files with a reason, and
        // gives the corpus record, which SentencePiece's API does not expose.
        let proto: SentencePieceModelProto
        do {
            proto = try SentencePieceModelProto(bytes: modelBytes)
        } catch {
            throw TokenizerError(message: "\(error)")
        }
        var error: UnsafeMutablePointer<CChar>?
        let loaded = modelBytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { tablm_sp_load($0.baseAddress, $0.count, &error) }
        }
        guard let loaded else {
            defer { tablm_sp_free_string(error) }
            throw TokenizerError(message: error.map { String(cString: $0) } ?? "SentencePiece could not load it")
        }
        // Special ids index the embedding and end rows: each must be a piece, and <s>, </s> and
        // <pad> control pieces (a </s> that lost its type would be encoded as text and id -1 appended).
        let count = Int32(proto.pieces.count)
        let special = [("<unk>", tablm_sp_unk_id(loaded), false), ("<s>", tablm_sp_bos_id(loaded), true),
                       ("</s>", tablm_sp_eos_id(loaded), true), ("<pad>", tablm_sp_pad_id(loaded), true)]
        for (name, id, control) in special where !(0..<count).contains(id) || (control && tablm_sp_is_control(loaded, id) == 0) {
            tablm_sp_free(loaded)
            throw TokenizerError(message: (0..<count).contains(id) ? "piece \(id) (\(name)) is not a control piece" : "the model has no \(name) \(control ? "control " : "")piece (SentencePiece gives id \(id); \(count) pieces)")
        }
        if let bad = proto.pieces.firstIndex(where: { !$0.score.isFinite }) {
            tablm_sp_free(loaded)
            throw TokenizerError(message: "piece \(bad) has score \(proto.pieces[bad].score): scores must be finite")
        }
        processor = loaded
        self.modelBytes = modelBytes
        corpus = TokenizerCorpus(record: proto.trainingInputs.first)
        unknownID = tablm_sp_unk_id(loaded)
        bosID = tablm_sp_bos_id(loaded)
        eosID = tablm_sp_eos_id(loaded)
        padID = tablm_sp_pad_id(loaded)
        pieces = proto.pieces.map(\.text)
        var single = Set<Unicode.Scalar>()
        for piece in proto.pieces where piece.type == .normal || piece.type == .userDefined {
            let scalars = piece.text.unicodeScalars
            if scalars.count == 1 { single.insert(scalars.first! == "\u{2581}" ? " " : scalars.first!) }
        }
        singleCharacters = single
    }

    deinit { tablm_sp_free(processor) }

    /// Token ids of `text` (no BOS/EOS added).
    public func encode(_ text: String) throws(TokenizerError) -> [Int32] {
        var ids = [Int32](repeating: 0, count: text.utf8.count + 1)
        var error: UnsafeMutablePointer<CChar>?
        let utf8 = Array(text.utf8)
        let needed = utf8.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { bytes in
                ids.withUnsafeMutableBufferPointer { tablm_sp_encode(processor, bytes.baseAddress, bytes.count, $0.baseAddress, $0.count, &error) }
            }
        }
        if needed < 0 {
            defer { tablm_sp_free_string(error) }
            throw TokenizerError(message: error.map { String(cString: $0) } ?? "SentencePiece could not encode the text")
        }
        ids.removeSubrange(Int(needed)...)
        if ids.contains(unknownID) { throw unrepresentable(text) }
        return ids
    }

    /// Encodes many texts on all cores; results are in input order.
    public func encode(batch texts: [String]) throws(TokenizerError) -> [[Int32]] {
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Result<[Int32], TokenizerError>?>.allocate(capacity: texts.count)
        results.initialize(repeating: nil)
        defer { results.deinitialize(); results.deallocate() }
        let chunk = 256
        DispatchQueue.concurrentPerform(iterations: (texts.count + chunk - 1) / chunk) { block in
            for index in block * chunk..<min(texts.count, (block + 1) * chunk) {
                results[index] = Result { () throws(TokenizerError) in try encode(texts[index]) }
            }
        }
        var ids: [[Int32]] = []
        ids.reserveCapacity(texts.count)
        for result in results { ids.append(try result!.get()) }
        return ids
    }

    public func decode(_ ids: [Int32]) throws(TokenizerError) -> String {
        if let bad = ids.first(where: { $0 < 0 || Int($0) >= pieces.count }) {
            throw TokenizerError(message: "token id \(bad) is outside the vocabulary (0..<\(pieces.count))")
        }
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        guard let text = ids.withUnsafeBufferPointer({ tablm_sp_decode(processor, $0.baseAddress, $0.count, &length, &error) }) else {
            defer { tablm_sp_free_string(error) }
            throw TokenizerError(message: error.map { String(cString: $0) } ?? "SentencePiece could not decode")
        }
        defer { tablm_sp_free_string(text) }
        return String(decoding: UnsafeRawBufferPointer(start: text, count: length), as: UTF8.self)
    }

    /// The id of a piece (spaces written as U+2581), or nil if the vocabulary lacks it.
    public func id(ofPiece piece: String) -> Int32? {
        let id = Array(piece.utf8).withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { tablm_sp_piece_to_id(processor, $0.baseAddress, $0.count) }
        }
        return id == unknownID && piece != pieces[Int(unknownID)] ? nil : id
    }

    public func isControl(_ id: Int32) -> Bool { tablm_sp_is_control(processor, id) != 0 }

    private func unrepresentable(_ text: String) -> TokenizerError {
        for (offset, scalar) in text.unicodeScalars.enumerated() where !singleCharacters.contains(scalar) {
            return TokenizerError(message: "character \(quoted: scalar) (\(InputError.codePoint(scalar))) at position \(offset + 1) is not in this tokenizer's alphabet")
        }
        return TokenizerError(message: "the text contains a piece this tokenizer cannot represent")
    }
}
