/// The parts of SentencePiece's `ModelProto` (sentencepiece_model.proto) that tablm reads or edits:
/// the piece list (field 1: piece = 1, score = 2, type = 3) and the trainer spec (field 2: input = 1,
/// model_prefix = 2, user_defined_symbols = 31). Everything else passes through unchanged, so the
/// result is still a standard model that SentencePiece in any language loads.
struct SentencePieceModelProto {
    enum PieceType: UInt64 {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    struct Piece: Equatable {
        var text: String
        var score: Float
        var type: PieceType
    }

    private var message: ProtobufMessage
    private(set) var pieces: [Piece]

    init(bytes: some Collection<UInt8>) throws {
        message = try ProtobufMessage(bytes: bytes)
        pieces = try message.all(1).map { value in
            guard case .bytes(let bytes) = value else { throw ProtobufMessage.DecodeError(description: "piece is not a message") }
            let piece = try ProtobufMessage(bytes: bytes)
            var score: Float = 0
            if case .fixed32(let bits)? = piece.first(2) { score = Float(bitPattern: bits) }
            var type = PieceType.normal
            if case .varint(let raw)? = piece.first(3) {
                guard let known = PieceType(rawValue: raw) else { throw ProtobufMessage.DecodeError(description: "unknown piece type \(raw)") }
                type = known
            }
            return Piece(text: piece.string(1) ?? "", score: score, type: type)
        }
        guard !pieces.isEmpty else { throw ProtobufMessage.DecodeError(description: "the model has no pieces") }
        // SentencePiece writes the pieces first, then the trainer and normalizer specs: a file cut
        // short between two pieces still parses, but lacks these.
        guard message.first(2) != nil, message.first(3) != nil else {
            throw ProtobufMessage.DecodeError(description: "the trainer or normalizer spec is missing (truncated file?)")
        }
    }

    /// Appends user-defined pieces (score 0, as SentencePiece's trainer gives them), or marks an
    /// existing piece of the same text as user-defined.
    mutating func addUserDefined(_ texts: [String]) {
        var trainer = trainerSpec
        for text in texts {
            trainer.append(31, string: text)
            if let index = pieces.firstIndex(where: { $0.text == text }) {
                pieces[index].type = .userDefined
                pieces[index].score = 0
            } else {
                pieces.append(Piece(text: text, score: 0, type: .userDefined))
            }
        }
        trainerSpec = trainer
    }

    /// The trainer spec's `input` list: where tablm records which corpus the model was trained on.
    var trainingInputs: [String] {
        get { trainerSpec.all(1).compactMap { if case .bytes(let b) = $0 { String(decoding: b, as: UTF8.self) } else { nil } } }
        set {
            var trainer = trainerSpec
            trainer.remove(1)
            trainer.remove(2)
            for input in newValue { trainer.append(1, string: input) }
            trainerSpec = trainer
        }
    }

    private var trainerSpec: ProtobufMessage {
        get {
            guard case .bytes(let bytes)? = message.first(2) else { return ProtobufMessage() }
            return (try? ProtobufMessage(bytes: bytes)) ?? ProtobufMessage()
        }
        set {
            if let index = message.fields.firstIndex(where: { $0.number == 2 }) {
                message.fields[index].value = .bytes(newValue.serialized())
            } else {
                message.append(2, .bytes(newValue.serialized()))
            }
        }
    }

    func serialized() -> [UInt8] {
        var out = message
        let firstPiece = out.fields.firstIndex { $0.number == 1 } ?? 0
        out.remove(1)
        let encoded = pieces.map { piece -> ProtobufMessage.Field in
            var fields = ProtobufMessage()
            fields.append(1, string: piece.text)
            fields.append(2, .fixed32(piece.score.bitPattern))
            fields.append(3, .varint(piece.type.rawValue))
            return ProtobufMessage.Field(number: 1, value: .bytes(fields.serialized()))
        }
        out.fields.insert(contentsOf: encoded, at: min(firstPiece, out.fields.count))
        return out.serialized()
    }
}
