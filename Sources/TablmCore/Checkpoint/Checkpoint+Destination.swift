import Foundation

extension Checkpoint {
    /// What a checkpoint folder may replace (`OutputDestination`): a folder of checkpoint files only;
    /// one without tablm's training record (a Hugging Face GPT-2 folder has config.json and
    /// model.safetensors too) and a private checkpoint under a non-private run only with `--force`:
    /// the first is someone else's model, the second would silently trade the guarantee its users
    /// rely on for none.
    public static func folderKind(private isPrivate: Bool) -> OutputDestination.FolderKind {
        let names: Set<String> = [weightsFile, configFile, tokenizerFile, schemaFile, templateFile, recordFile, optimizerFile]
        return OutputDestination.FolderKind(names: names) { folder in
            let record = folder.appendingPathComponent(recordFile)
            if !FileManager.default.fileExists(atPath: record.path) { return "holds model files but no \(recordFile), so tablm did not write it" }
            return isPrivate || !recordsPrivacy(record) ? nil : "holds a private checkpoint, which this non-private run would replace"
        }
    }

    /// Whether a training record names a privacy part; an unreadable one counts as private, the safe side.
    private static func recordsPrivacy(_ url: URL) -> Bool {
        guard FileManager.default.fileExists(atPath: url.path) else { return false }
        guard let data = try? InputFile.contents(url.path, what: "a training record", limit: 1 << 24),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return true }
        return object["privacy"].map { !($0 is NSNull) } ?? false
    }
}
