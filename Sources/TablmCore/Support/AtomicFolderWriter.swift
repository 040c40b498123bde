import Foundation

/// The one way tablm writes a folder (checkpoints, Opacus bundles): into `.NAME.PID.tablm-tmp` beside
/// the destination, removed on an error or an interrupt, then renamed into place, so that a reader
/// never sees half a folder and a failed run leaves nothing behind. `AtomicFileWriter` does the same
/// for single files.
public enum AtomicFolderWriter {
    /// Runs `fill` on the empty staging folder, then moves it to `folder`. An existing `folder` is
    /// swapped out (moved aside, replaced, then removed) when `replacing`, else refused before any work.
    /// - Parameter what: the folder's kind for messages ("checkpoint", "bundle").
    public static func write(to folder: String, what: String, replacing: Bool, _ fill: (URL) throws -> Void) throws {
        let destination = URL(fileURLWithPath: folder).standardizedFileURL
        let parent = destination.deletingLastPathComponent()
        let manager = FileManager.default
        if !replacing { try refuseExisting(folder, what: what) }
        let pid = ProcessInfo.processInfo.processIdentifier
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).\(pid).tablm-tmp")
        try? manager.removeItem(at: staging)
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
        } catch {
            throw InputError("cannot create the \(what) folder", at: SourceLocation(file: parent.path))
        }
        let cleanupToken = InterruptCleanup.register(staging)
        defer { InterruptCleanup.forget(cleanupToken) }
        do {
            try fill(staging)
            // Swap: the old folder (if any) moves aside, the new one in, then the old one goes.
            let previous = parent.appendingPathComponent(".\(destination.lastPathComponent).\(pid).tablm-old")
            var existing = stat()
            let hadPrevious = lstat(destination.path, &existing) == 0
            if hadPrevious && existing.st_mode & S_IFMT != S_IFDIR {
                throw InputError("not a folder; tablm replaces only its own folders", at: SourceLocation(file: folder))
            }
            if hadPrevious { chmod(staging.path, existing.st_mode & 0o7777) }
            try InterruptCleanup.uninterrupted {
                if hadPrevious { try manager.moveItem(at: destination, to: previous) }
                do {
                    try manager.moveItem(at: staging, to: destination)
                } catch {
                    if hadPrevious { try? manager.moveItem(at: previous, to: destination) }   // the old one back, not lost aside
                    throw error
                }
                if hadPrevious { try? manager.removeItem(at: previous) }
            }
        } catch {
            try? manager.removeItem(at: staging)
            if error is InputError || error is OptionError { throw error }
            throw InputError("cannot write \(what): \(error.localizedDescription)", at: SourceLocation(file: folder))
        }
    }

    /// Refuses a destination that exists (for a writer that never replaces), before any work.
    public static func refuseExisting(_ folder: String, what: String) throws {
        if FileManager.default.fileExists(atPath: folder) {
            throw InputError("the \(what) folder exists already; choose a new one", at: SourceLocation(file: folder))
        }
    }
}
