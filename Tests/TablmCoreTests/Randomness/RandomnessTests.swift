@testable import TablmCore
import XCTest

final class RandomnessTests: XCTestCase {
    /// RFC 8439, Section 2.3.2: the ChaCha20 block function test vector.
    func testChaCha20BlockMatchesRFC8439() {
        let key: [UInt32] = [0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c, 0x1312_1110, 0x1716_1514, 0x1b1a_1918, 0x1f1e_1d1c]
        var generator = ChaCha20Generator(key: key, counter: 1, nonce: [0x0900_0000, 0x4a00_0000, 0x0000_0000])
        let block = generator.nextBlock()
        XCTAssertEqual((0..<16).map { block[$0] }, [
            0xe4e7_f110, 0x1559_3bd1, 0x1fdd_0f50, 0xc471_20a3, 0xc7f4_d1c7, 0x0368_c033, 0x9aaa_2204, 0x4e6c_d4c3,
            0x4664_82d2, 0x09aa_9f07, 0x05d7_c214, 0xa202_8bd9, 0xd19c_12b5, 0xb94e_16de, 0xe883_d0cb, 0x4e3c_50a2,
        ])
    }

    /// The noise has the stated spread: 200,000 draws scaled by σ·C = 1.5 · 2 have standard deviation
    /// 3 within 1 % (a factor-2 error, σ for σ², or a missing C, is far outside), mean 0 and
    /// Gaussian tails (share beyond 2 sd ≈ 4.55 %).
    func testGaussianNoiseHasTheStatedStandardDeviation() {
        var sampler = GaussianSampler(generator: ChaCha20Generator(insecureSeed: 7))
        let scale = 1.5 * 2.0, count = 200_000
        var sum = 0.0, squares = 0.0, beyond = 0
        for _ in 0..<count {
            let value = scale * sampler.next()
            sum += value
            squares += value * value
            if abs(value) > 2 * scale { beyond += 1 }
        }
        let mean = sum / Double(count)
        let sd = (squares / Double(count) - mean * mean).squareRoot()
        XCTAssertEqual(sd, scale, accuracy: 0.01 * scale)
        XCTAssertEqual(mean, 0, accuracy: 0.02)
        XCTAssertEqual(Double(beyond) / Double(count), 0.0455, accuracy: 0.002)
    }

    /// The noise drawn on several cores: each slice of the buffer from its own split stream, with
    /// the stated spread and no correlation between the slices (a stream reused for two slices
    /// would correlate them fully).
    func testParallelNoiseStreams() {
        var generator = ChaCha20Generator(insecureSeed: 3)
        var noise = GaussianNoise(generator: &generator, streams: 2)
        let count = 200_000
        let buffer = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0)
        noise.add(to: buffer, standardDeviation: 2, scale: 0.5)
        let values = buffer.map(Double.init)
        let mean = values.reduce(0, +) / Double(count)
        let sd = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(count)).squareRoot()
        XCTAssertEqual(sd, 1, accuracy: 0.01)
        XCTAssertEqual(mean, 0, accuracy: 0.01)
        let half = count / 2
        let correlation = (0..<half).reduce(0.0) { $0 + values[$1] * values[half + $1] } / Double(half)
        XCTAssertEqual(correlation, 0, accuracy: 0.02)
        var parent = ChaCha20Generator(insecureSeed: 3), child = parent.split()
        XCTAssertNotEqual((0..<4).map { _ in parent.next() }, (0..<4).map { _ in child.next() })
    }

    /// The bulk path (OpenSSL's ChaCha20) gives exactly the stream of `next()` (the Swift block
    /// function), from any position, and the RFC 8439 block at counter 1.
    func testFillMatchesNext() {
        let key: [UInt32] = [0x0302_0100, 0x0706_0504, 0x0b0a_0908, 0x0f0e_0d0c, 0x1312_1110, 0x1716_1514, 0x1b1a_1918, 0x1f1e_1d1c]
        var rfc = ChaCha20Generator(key: key, counter: 1, nonce: [0x0900_0000, 0x4a00_0000, 0x0000_0000])
        let block = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 16)
        defer { block.deallocate() }
        rfc.fill(block)
        XCTAssertEqual(block[0], 0x1559_3bd1_e4e7_f110)
        XCTAssertEqual(block[3], 0x4e6c_d4c3_9aaa_2204)
        XCTAssertEqual(block[7], 0x4e3c_50a2_e883_d0cb)

        var a = ChaCha20Generator(insecureSeed: 9), b = a
        for _ in 0..<3 { XCTAssertEqual(a.next(), b.next()) }
        let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: 333)
        defer { words.deallocate() }
        a.fill(words)
        XCTAssertEqual(Array(words), (0..<333).map { _ in b.next() })
        XCTAssertEqual(a.next(), b.next())
    }

    func testSecureGeneratorsDiffer() {
        var a = ChaCha20Generator(), b = ChaCha20Generator()
        XCTAssertNotEqual((0..<4).map { _ in a.next() }, (0..<4).map { _ in b.next() })
        var c = ChaCha20Generator(insecureSeed: 1), d = ChaCha20Generator(insecureSeed: 1)
        XCTAssertEqual((0..<40).map { _ in c.next() }, (0..<40).map { _ in d.next() })
    }
}
