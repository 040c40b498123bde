import ArgumentParser
import Foundation
import TablmCore

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 on a table's rows as text and save a checkpoint folder.",
        discussion: """
        Each step draws --batch-size rows, writes each in a fresh random column order, and takes one \
        AdamW step (weight decay on matrices, gradient-norm clipping, warmup then cosine decay to the \
        last step). The run lasts --epochs passes over the rows unless --steps is given. A held-out \
        share of the rows (--held-out) is scored every --eval-every steps (a quarter epoch by default); \
        the checkpoint is written when that loss reaches a new best, and training stops after \
        --patience scores without one, so the folder holds the best model seen. --resume continues a \
        run from its checkpoint. Options for experts (the schedule, held-out scoring, column orders, \
        the prior's sizing, test seeds) are listed by tablm finetune --help-hidden.

        --init-from starts from another checkpoint (or a folder with model.safetensors and config.json in \
        Hugging Face GPT-2 layout). If its vocabulary differs from the tokenizer's, the blocks are kept \
        and the embedding rows are re-initialised. Use only checkpoints trained on public data.

        --dp trains with DP-SGD (Poisson sampling, per-row clipping, Gaussian noise) and guarantees \
        (epsilon, delta)-DP for each row of --data. It needs a public schema ("source": "public") and a \
        tokenizer made from a public schema; it prints and records nothing computed from the rows (no \
        loss, no held-out split, no data hash). Rows that do not fit the schema are fitted (numbers \
        clamped, unknown categories made missing, otherwise the row left out) and never counted, since a \
        count is a statistic of the rows; check a table first with tablm serialize --schema S --data DATA.csv \
        > /dev/null, which names each bad value. Pretraining (--init-from) must use public data only: the \
        guarantee covers the rows of --data, nothing else.

        Under --dp the model first learns a marginal prior (--prior aim, the default): marginals of \
        the rows chosen by AIM and measured with Gaussian noise (--prior-share of epsilon), a graphical \
        model fitted to them, and --prior-steps of training on pseudo rows drawn from it (no privacy \
        cost). DP-SGD on the real rows then spends the rest; every mechanism is composed in one \
        accountant and recorded in training.json. --prior none gives DP-SGD alone. Below epsilon 1 the \
        prior takes the whole budget; so it does on a table too small for DP-SGD's noise (sigma over the \
        expected batch above 0.0055). DP-SGD's sampling rate is --expected-batch-size over the prior's \
        noisy row count (or --rows, declared public; or a count released with noise): the true count \
        is private. --plan --rows N prints the plan and each part's epsilon without reading a row.

        --dp --balance-groups samples each group of --sensitive at its own rate so every group brings \
        as many rows to a step; the group counts are released once with Gaussian noise and charged, \
        and every step is charged at the largest rate. --fairness-lambda and --representation-lambda \
        add fairness terms computed on probe prompts (no rows, no privacy cost).

        Example:
          tablm finetune --dp --epsilon 1 --schema Examples/adult-public-schema.json \\
              --data data/adult_train.csv -o out/adult-dp
          tablm finetune --data Examples/adult-sample.csv --schema schema.json \\
              --steps 200 -o out/sample-ck
        """
    )

    @OptionGroup var options: FinetuneOptions
    @Option(help: "Continue the run saved in this checkpoint folder.") var resume: String?
    @Option(name: .shortAndLong, help: "Output checkpoint folder (a new one, or a checkpoint this run may replace).") var output: String
    @Flag(help: "Replace a checkpoint of another kind: a private one by a non-private run.") var force = false

    func run() throws {
        var request = try options.request(output: output, resume: resume)
        request.force = force
        // --plan: the plan only; nothing is read but the schema, nothing is written.
        if options.privacy.plan, let rows = options.privacy.rows {
            return try PrivatePlan(request: request, rows: rows, timing: { try PrivatePlan.measureTiming(request: request) }).lines.forEach { print($0) }
        }
        var progress = FinetuneProgress(delta: request.privacy?.delta)
        try FinetuneRun(request) { progress.show($0) }.run()
    }
}
