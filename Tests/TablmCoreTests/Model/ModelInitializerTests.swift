import TablmCore
import XCTest

final class ModelInitializerTests: XCTestCase {
    func testNewVocabularyKeepsBlocksAndReinitialisesEmbeddings() {
        let source = GPT2<Float>(config: GPT2Config(vocabularySize: 30, contextLength: 8, width: 8, layers: 2, heads: 2))
        source.initializeParameters(seed: 1)
        var messages: [String] = []
        let adapted = ModelInitializer.adapt(source, vocabularySize: 45, contextLength: 10, seed: 2, report: { messages.append($0) })
        XCTAssertEqual(adapted.config.vocabularySize, 45)
        XCTAssertEqual(adapted.config.contextLength, 10)
        XCTAssertEqual(Array(adapted.view("h.1.mlp.c_fc.weight")), Array(source.view("h.1.mlp.c_fc.weight")))
        XCTAssertEqual(Array(adapted.view("ln_f.weight")), Array(source.view("ln_f.weight")))
        XCTAssertEqual(Array(adapted.view("wpe.weight").prefix(64)), Array(source.view("wpe.weight")))
        XCTAssertNotEqual(Array(adapted.view("wte.weight").prefix(240)), Array(source.view("wte.weight")))
        XCTAssertEqual(messages.count, 2)
        XCTAssertTrue(messages[0].contains("vocabulary 30 -> 45"), messages[0])
        let same = ModelInitializer.adapt(source, vocabularySize: 30, contextLength: 8, seed: 2, report: { _ in XCTFail() })
        XCTAssertTrue(same === source)
    }
}
