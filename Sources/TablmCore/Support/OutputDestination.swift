import Foundation

/// The one output policy of every command, checked before any work so that a run that cannot write
/// its result fails before it spends time or privacy budget, and so that no output replaces an
/// input, a device, a FIFO, a symbolic link or files tablm did not write.
///
/// Files: an existing destination must be a writable regular file that is not an input (nor inside
/// an input folder); its mode is kept (`AtomicFileWriter`). Folders: an existing destination must be
/// a folder holding only names this writer writes, not an input and not containing one; replacing a
/// folder of another kind (a private checkpoint by a non-private run) needs `--force`.
public enum OutputDestination {
    /// What an existing folder is, for a writer that may replace it.
    public struct FolderKind {
        /// Whether a name is one the writer puts in its folder; an existing folder holding anything
        /// else is never replaced, since replacing would delete files tablm did not write.
        public var owns: (String) -> Bool
        /// Why an existing folder of such names may not be replaced without `--force` (nil: it may).
        public var refusal: (URL) -> String?

        public init(owns: @escaping (String) -> Bool, refusal: @escaping (URL) -> String? = { _ in nil }) {
            self.owns = owns
            self.refusal = refusal
        }

        public init(names: Set<String>, refusal: @escaping (URL) -> String? = { _ in nil }) {
            self.init(owns: { names.contains($0) }, refusal: refusal)
        }
    }

    /// Checks a file destination named by `option`; `inputs` are the command's input files and folders.
    public static func checkFile(_ path: String, option: String, inputs: [String?]) throws {
        let place = "\(option) \(path)"
        guard !path.isEmpty else { throw OptionError("\(option): empty path") }
        cleanStaleTemporaries(of: path)
        if let mode = try existingMode(path, place: place) {
            if mode & S_IFMT == S_IFDIR { throw OptionError("\(place) is a folder; name a file") }
            try refuseSpecial(mode & S_IFMT, place: place)
            try refuseInput(path, place: place, inputs: inputs, folder: false)
            if mode & 0o222 == 0 { throw OptionError("\(place) is read-only; make it writable or choose another name") }
        }
        try checkParent(of: path, place: place)
    }

    /// Checks a folder destination named by `option` for a writer of `kind`.
    public static func checkFolder(_ path: String, option: String, what: String, kind: FolderKind, inputs: [String?], force: Bool) throws {
        let place = "\(option) \(path)"
        let article = what.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        guard !path.isEmpty else { throw OptionError("\(option): empty path") }
        cleanStaleTemporaries(of: path)
        try refuseInput(path, place: place, inputs: inputs, folder: true)
        if let mode = try existingMode(path, place: place) {
            guard mode & S_IFMT == S_IFDIR else {
                try refuseSpecial(mode & S_IFMT, place: place)
                throw OptionError("\(place) is a file, not \(article) \(what) folder; choose a new folder name")
            }
            let entries: [String]
            do {
                entries = try FileManager.default.contentsOfDirectory(atPath: path)
            } catch {
                throw OptionError("\(place) cannot be read: \(error.localizedDescription)")
            }
            let foreign = entries.filter { !kind.owns($0) }.sorted()
            if !foreign.isEmpty {
                let shown = foreign.prefix(3).map { "\(quoted: $0)" }.joined(separator: ", ") + (foreign.count > 3 ? ", …" : "")
                throw OptionError("\(place) holds files that are not \(article) \(what)'s (\(shown)); tablm replaces only its own folders: choose a new folder")
            }
            if !entries.isEmpty, !force, let reason = kind.refusal(URL(fileURLWithPath: path)) {
                throw OptionError("\(place) \(reason); add --force to replace it, or choose another folder")
            }
        }
        try checkParent(of: path, place: place)
    }

    /// The mode (type and permission bits) of what is at `path`, without following a final symbolic
    /// link, which is refused (nil: nothing is there).
    private static func existingMode(_ path: String, place: String) throws -> mode_t? {
        var status = stat()
        guard lstat(path, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw OptionError("\(place): \(String(cString: strerror(errno)))")
        }
        if status.st_mode & S_IFMT == S_IFLNK { throw OptionError("\(place) is a symbolic link; name the file or folder itself") }
        return status.st_mode
    }

    private static func refuseSpecial(_ type: mode_t, place: String) throws {
        guard type == S_IFREG || type == S_IFDIR else {
            throw OptionError("\(place) is a device, FIFO or socket; tablm writes only regular files (leave out the option for standard output where there is one)")
        }
    }

    /// Refuses a destination that is an input, holds one, or lies inside an input folder.
    private static func refuseInput(_ path: String, place: String, inputs: [String?], folder: Bool) throws {
        let destination = resolved(path)
        for input in inputs.compactMap({ $0 }) {
            let source = resolved(input)
            let relation: String?
            if destination == source || sameFile(path, input) {
                relation = "is"
            } else if folder && source.hasPrefix(destination + "/") {
                relation = "holds"
            } else if destination.hasPrefix(source + "/") && (folder || FileManager.default.fileExists(atPath: path)) {
                relation = "lies inside"
            } else {
                relation = nil
            }
            if let relation {
                let what = relation == "is" ? "an input of this command" : "\(input), an input of this command"
                throw OptionError("\(place) \(relation) \(what); choose another name")
            }
        }
    }

    /// The absolute path with symbolic links of the existing part resolved (the rest appended as given).
    static func resolved(_ path: String) -> String {
        var url = URL(fileURLWithPath: path).standardizedFileURL
        var tail: [String] = []
        while url.path != "/" {
            if let real = realpath(url.path, nil) {
                defer { free(real) }
                return ([String(cString: real)] + tail.reversed()).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
            }
            tail.append(url.lastPathComponent)
            url.deleteLastPathComponent()
        }
        return "/" + tail.reversed().joined(separator: "/")
    }

    /// Whether two paths name one file (device and inode), through links.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        var first = stat(), second = stat()
        guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
        return first.st_dev == second.st_dev && first.st_ino == second.st_ino
    }

    private static func checkParent(of path: String, place: String) throws {
        let parent = URL(fileURLWithPath: path).standardizedFileURL.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isFolder), isFolder.boolValue else {
            throw OptionError("\(place): the folder \(parent) does not exist")
        }
        guard access(parent, W_OK) == 0 else {
            throw OptionError("\(place): cannot write in \(parent) (\(String(cString: strerror(errno))))")
        }
    }

    /// Tidies what tablm processes that no longer run (killed by SIGKILL, a power cut) left beside
    /// this destination: their `.NAME.PID.tablm-tmp` (unfinished) is removed; their `.NAME.PID.tablm-old`
    /// (a folder moved aside to be replaced) is moved back when the destination is missing, since the
    /// swap did not finish, and removed when the new one is in place. A running process's are left.
    static func cleanStaleTemporaries(of path: String) {
        let destination = URL(fileURLWithPath: path).standardizedFileURL
        let parent = destination.deletingLastPathComponent()
        let prefix = ".\(destination.lastPathComponent)."
        let manager = FileManager.default
        guard let entries = try? manager.contentsOfDirectory(atPath: parent.path) else { return }
        for entry in entries.sorted() where entry.hasPrefix(prefix) {
            let rest = entry.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
            guard rest.count == 2, rest[1] == "tablm-tmp" || rest[1] == "tablm-old", let pid = Int32(rest[0]), pid > 0,
                  pid != ProcessInfo.processInfo.processIdentifier, kill(pid, 0) != 0, errno == ESRCH
            else { continue }
            let stale = parent.appendingPathComponent(entry)
            if rest[1] == "tablm-old", !manager.fileExists(atPath: destination.path) {
                try? manager.moveItem(at: stale, to: destination)
            } else {
                try? manager.removeItem(at: stale)
            }
        }
    }
}
