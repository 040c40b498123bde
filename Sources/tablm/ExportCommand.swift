import ArgumentParser
import Foundation
import TablmCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a bundle that PyTorch + Opacus trains from with DP-SGD (one GPU or many); tablm import takes the result back.",
        discussion: """
        The bundle holds the checkpoint's model in Hugging Face GPT-2 layout (config.json with dropout off), \
        its tokenizer, schema and row template, the rows of --data tokenized as tablm trains them (in the \
        checkpoint's column order), bundle.json with the DP-SGD plan, and python/train_opacus.py with its \
        requirements. tablm calibrates σ here with its own accountant, so that the checkpoint's earlier events \
        (the marginal prior's, a count release, earlier DP-SGD) and the new steps compose to at most --epsilon. \
        The bundle holds the private rows: keep it where the table may be.

        For the prior on tablm and DP-SGD on GPUs: tablm finetune --dp --epsilon E --steps 0 (the prior \
        alone, its share of E), then tablm export --epsilon E.

        Example:
          tablm export --checkpoint out/adult-prior --data data/adult_train.csv \\
              --epsilon 1 -o out/bundle
        """
    )

    @Option(help: "Checkpoint to train from (a private one's events are composed with the new steps).") var checkpoint: String
    @Option(help: "Training table (CSV), fitted to the schema as finetune --dp does.") var data: String
    @Option(help: "Target epsilon of everything: the checkpoint's events and the new DP-SGD steps.") var epsilon: Double
    @Option(help: "Delta of the guarantee (default: the checkpoint's, else 1e-5).") var delta: Double?
    @Option(help: "DP-SGD steps (default: 100 after a marginal prior, else 300; with --gpu \(TrainingRecipe.gpuPrivateSteps)).") var steps: Int?
    @Option(help: "Rows a step in expectation (Poisson sampling at rate this / rows) (default: \(TrainingRecipe.expectedBatchSize); with --gpu \(TrainingRecipe.gpuExpectedBatchSize), at most a quarter of the rows).") var expectedBatchSize: Int?
    @Flag(help: "Size DP-SGD for a GPU, where large batches cost little: \(TrainingRecipe.gpuPrivateSteps) steps of \(TrainingRecipe.gpuExpectedBatchSize) expected rows unless --steps or --expected-batch-size say otherwise (docs/gpu-training.md).") var gpu = false
    @Option(help: "The table's row count, declared public; the rate is --expected-batch-size over it (default: the checkpoint prior's noisy total, else a count released with Gaussian noise σ = \(TrainingRecipe.countReleaseNoise) and charged).") var rows: Int?
    @Option(help: "Per-row clip norm C.") var clip = TrainingRecipe.clipNorm
    @Option(help: "Peak learning rate (default: 2e-4 after a marginal prior, else 1e-3).") var lr: Double?
    @Option(help: "Warmup steps.") var warmup = TrainingRecipe.warmupSteps
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay = TrainingRecipe.weightDecay
    @Option(help: "Privacy accountant for the calibration: pld or rdp.") var accountant: PrivacyAccountant.Method = .pld
    @Option(help: "The training script to copy into the bundle (default: python/train_opacus.py of the tablm checkout this binary was built in).")
    var script: String?
    @Option(name: .shortAndLong, help: "Bundle folder (created; must not exist).") var output: String

    func validate() throws {
        let steps = Double(PrivacyAccountant.maximumSteps)
        try requireRange("--epsilon", epsilon, .open(0), .closed(PrivacyBudgetPlan.largestEpsilon))
        try requireRange("--delta", delta, .open(0), .open(1))
        try requireRange("--steps", self.steps, .closed(1), .closed(steps))
        try requireRange("--rows", rows, .closed(1), .closed(Double(TrainingRecipe.largestTable)))
        // A GPU takes larger batches than a CPU run; the bound is on the Poisson draw's expectation.
        try requireRange("--expected-batch-size", expectedBatchSize, .closed(1), .closed(Double(TrainingRecipe.largestBatch)))
        try requireRange("--clip", clip, .open(0), .closed(1e6))
        try requireRange("--lr", lr, .open(0), .closed(1))
        try requireRange("--warmup", warmup, .closed(0), .closed(steps))
        try requireRange("--weight-decay", weightDecay, .closed(0), .closed(1e3))
    }

    func run() throws {
        var request = ExportRequest(checkpoint: checkpoint, data: data, epsilon: epsilon, script: try trainingScript(), output: output)
        request.delta = delta
        request.steps = steps
        request.expectedBatchSize = expectedBatchSize
        request.forGPU = gpu
        request.rows = rows
        request.clipNorm = clip
        request.learningRate = lr
        request.warmupSteps = warmup
        request.weightDecay = weightDecay
        request.accountant = accountant
        try ExportRun.run(request, report: { log($0) })
        log("next: pip install -r \(output)/requirements.txt; python \(output)/train_opacus.py \(output) -o RESULT (or torchrun --nproc_per_node N ...); tablm import RESULT -o CHECKPOINT")
    }

    /// `--script`, or python/train_opacus.py of the checkout the binary sits in (.build/<config>/tablm).
    private func trainingScript() throws -> String {
        if let script {
            guard FileManager.default.fileExists(atPath: script) else { throw InputError("no such file", at: SourceLocation(file: script)) }
            return script
        }
        let binary = (Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")).resolvingSymlinksInPath()
        var folder = binary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("python/train_opacus.py")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            folder = folder.deletingLastPathComponent()
        }
        throw ValidationError("python/train_opacus.py is not beside this binary's checkout; pass --script PATH/train_opacus.py")
    }
}
