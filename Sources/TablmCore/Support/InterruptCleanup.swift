import Dispatch
import Foundation

/// Removes the hidden temporary files and folders of unfinished writes when the process is
/// interrupted (Ctrl-C, SIGTERM, SIGHUP), so that nothing half-written stays beside an output.
///
/// The signals are handled on a dispatch queue, not in a signal handler, so the cleanup can use
/// the file system freely while the main thread is busy; the process then exits with the status a
/// shell expects of a process killed by that signal (128 + signal number).
public enum InterruptCleanup {
    private static let lock = NSLock()
    /// Held by a swap of folders (`uninterrupted`) and, for good, by the cleanup: the cleanup looks
    /// before the swap begins or after it ends, never between its two renames.
    private static let quiet = NSLock()
    nonisolated(unsafe) private static var paths: [Int: URL] = [:]
    nonisolated(unsafe) private static var nextToken = 0
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Starts handling SIGINT, SIGTERM and SIGHUP. Called once by the command-line tool, which is told
    /// how many unfinished outputs were removed (to say so) before the process exits.
    public static func install(onInterrupt: @escaping @Sendable (_ removed: Int) -> Void = { _ in }) {
        lock.lock(); defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for signalNumber in [SIGINT, SIGTERM, SIGHUP] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                let removed = removeAll()
                onInterrupt(removed)
                _exit(128 + signalNumber)
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Remembers a temporary file or folder until `forget(_:)`; returns the token to forget it by.
    public static func register(_ url: URL) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextToken += 1
        paths[nextToken] = url
        return nextToken
    }

    public static func forget(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        paths[token] = nil
    }

    /// Runs `body` with the cleanup held off until it returns: an interrupt between moving a
    /// destination aside and moving its replacement in left the destination missing, its old copy
    /// in a hidden `.tablm-old` folder.
    public static func uninterrupted<T>(_ body: () throws -> T) rethrows -> T {
        quiet.lock(); defer { quiet.unlock() }
        return try body()
    }

    private static func removeAll() -> Int {
        quiet.lock()   // not released: the process exits once the cleanup is done
        lock.lock(); defer { lock.unlock() }
        let urls = paths.values
        for url in urls { remove(url) }
        paths.removeAll()
        return urls.count
    }

    /// The main thread may still be writing into a folder being removed, and a file it creates
    /// during the walk makes the removal fail ("not empty"): tried again until it is gone (half a
    /// second at most; the writes fail once the folder is gone, so they stop).
    private static func remove(_ url: URL) {
        for _ in 0..<50 {
            try? FileManager.default.removeItem(at: url)
            if !FileManager.default.fileExists(atPath: url.path) { return }
            usleep(10_000)
        }
    }
}
