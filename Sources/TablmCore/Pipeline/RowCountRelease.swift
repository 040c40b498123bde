import Foundation

/// The row count a private run takes DP-SGD's rate over when nothing else gives one (no prior total,
/// no balanced counts, no `--rows`): the true count with Gaussian noise, sensitivity 1 (one row moves
/// it by 1), charged as `event`. `finetune --dp` and `export` both release it this way.
enum RowCountRelease {
    static let event = PrivacyEvent.gaussianRelease(noiseMultiplier: TrainingRecipe.countReleaseNoise)

    /// `count` with the mechanism's noise.
    static func release(_ count: Int, generator: inout ChaCha20Generator) -> Double {
        var noise = GaussianSampler(generator: generator.split())
        return Double(count) + TrainingRecipe.countReleaseNoise * noise.next()
    }

    /// What the run says when it releases one.
    static func note(_ command: String) -> String {
        String(format: "%@: the row count released with Gaussian noise σ = %.3g (charged to the budget), for the sampling rate", command, TrainingRecipe.countReleaseNoise)
    }
}
