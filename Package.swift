// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "tablm",
    products: [
        .library(name: "TablmCore", targets: ["TablmCore"]),
        .executable(name: "tablm", targets: ["tablm"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.1.1"),
    ],
    targets: [
        // Model and algorithms: no argument parsing, no printing.
        .target(
            name: "TablmCore",
            dependencies: [
                "CSentencePiece", "CBLAS", "CLibCrypto",
                .product(name: "CSV", package: "CSV.swift"),
                .product(name: "RealModule", package: "swift-numerics"),
            ],
            // Each folder's README says what lives there (Sources/README.md has the map).
            exclude: [
                "Accounting/README.md", "Audit/README.md", "Benchmark/README.md", "Checkpoint/README.md", "Constraint/README.md",
                "Evaluation/README.md", "Export/README.md", "Fairness/README.md", "Generation/README.md", "Model/Kernels/README.md",
                "Model/README.md", "Pipeline/README.md", "Prior/README.md", "PrivateTraining/README.md", "Randomness/README.md",
                "Report/README.md", "RowText/README.md", "Schema/README.md", "SchemaInference/README.md", "Support/README.md",
                "Table/README.md", "Tokenizer/README.md", "Training/README.md",
            ],
            // Optimised in debug builds too: the tests run real training steps, gradient checks and
            // accountant FFTs, which take minutes unoptimised and seconds optimised.
            // Compiled for the building machine's CPU: without it Swift's SIMD types (ChaCha20's eight
            // lanes, the kernels' loops) are lowered to SSE2 with scalar shifts. tablm is built from
            // source where it runs; a binary copied to an older CPU may stop on an illegal instruction.
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug)), .unsafeFlags(["-target-cpu", "native"])]
        ),
        // OpenBLAS's CBLAS (Debian: libopenblas-dev).
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // OpenSSL's libcrypto (Debian: libssl-dev), for its ChaCha20.
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // C interface over SentencePiece's C++ API (Debian: libsentencepiece-dev).
        .target(
            name: "CSentencePiece",
            linkerSettings: [.linkedLibrary("sentencepiece"), .linkedLibrary("sentencepiece_train")]
        ),
        // Thin command-line layer over TablmCore.
        .executableTarget(
            name: "tablm",
            dependencies: [
                "TablmCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            exclude: ["README.md"]
        ),
        .testTarget(name: "TablmCoreTests", dependencies: ["TablmCore"]),
        // Runs the built `tablm` binary: exit codes, error lines, no partial outputs.
        .testTarget(name: "tablmTests", dependencies: ["tablm", "TablmCore"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
