import ArgumentParser
import Foundation
import TablmCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample synthetic rows from a checkpoint and write them as CSV.",
        discussion: """
        Decoding is constrained by the schema: only tokens that keep the row valid are sampled (each \
        column once, categories from the list, numbers inside their range at the schema's precision), \
        so every row fits. --condition fixes or narrows columns (sex=Female, race=White|Black, age>=40, \
        hours_per_week=35..45); conditioned columns are written first and the rest is generated given them.

        --logit-noise adds Gaussian noise to the logits before sampling. It makes rows more varied; it \
        is NOT a differential-privacy mechanism and carries no epsilon. Privacy comes from training \
        with finetune --dp.

        --mask-fairness makes the --fair-columns (default: the schema's target) independent of the \
        --sensitive column (default: the schema's first sensitive one), in any column order: a row that \
        writes the group first draws the value with shifted logits, one that writes the value first draws \
        the group with shifted logits. The shifts are calibrated on --mask-pilot-rows rows of the model's \
        own, from its softmax, so that each group's distribution of the column moves --fairness-strength \
        of the way from the model's to the pooled one (1: parity), keeping the group shares and the \
        column's overall distribution. It reads the model only, never rows (no privacy cost). The \
        per-group shares before and after, and the largest gap between groups, go to stderr.         --sensitive may name a threshold (age<25) or an intersection (sex&race): the group is read off         its columns' values, which are then written before the fair columns.

        On a private checkpoint the target's rate in each group of the sensitive column is matched to         the prior's released fit (DP-SGD pulls the rarer class down); with --mask-fairness the groups         move from those rates. Post-processing of the released prior: no privacy cost. --no-match-prior         keeps the model's own rates.

        A checkpoint trained with --balance-groups learned the groups in a balanced mix; its rows are \
        brought back to the table's group shares (from the counts released in training, no privacy \
        cost) unless --keep-balanced-mix is given.

        Example:
          tablm generate --checkpoint out/adult-dp --rows 1000 --condition 'age>=40' \\
              -o rows.csv
        """
    )

    @Option(help: "Checkpoint folder.") var checkpoint: String
    @Option(help: "Rows to sample, at most \(GenerateRequest.largestRows) (default: as many as the table the checkpoint was trained on; under --dp its released noisy count; \(GenerateRequest.defaultRows) if the checkpoint does not say).") var rows: Int?
    @OptionGroup var options: GenerateOptions
    @Option(name: .shortAndLong, help: "Output CSV file.") var output: String

    func validate() throws { try requireRange("--rows", rows, .closed(1), .closed(Double(GenerateRequest.largestRows))) }

    func run() throws {
        var progress = GenerateProgress(rows: rows)
        try GenerateRun(options.request(checkpoint: checkpoint, rows: rows, output: output)) { progress.show($0) }.run()
    }
}
