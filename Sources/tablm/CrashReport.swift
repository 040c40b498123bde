import Foundation

/// What a user sees if tablm crashes: one line, not the Swift runtime's stack dump of several
/// kilobytes. A crash is still a bug to fix; this only keeps it from flooding a terminal or a log
/// with frames. Unfinished temporaries stay behind, and the next run writing there removes them
/// (`OutputDestination`), since a crashed process cannot clean up safely.
enum CrashReport {
    /// The line's two halves, made before any crash: the handler must not allocate.
    nonisolated(unsafe) private static let head = strdup("tablm: internal error (signal ")!
    nonisolated(unsafe) private static let tail = strdup("); this is a bug: please report it with the command line\n")!

    /// Replaces the runtime's handlers for the signals a crash raises (a failed precondition traps
    /// with SIGILL or SIGTRAP). The handler uses only async-signal-safe calls: write(2), _exit(2).
    static func install() {
        _ = (head, tail)
        for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
            signal(signalNumber) { received in
                var digits: (UInt8, UInt8) = (UInt8(ascii: "0") + UInt8(received / 10 % 10), UInt8(ascii: "0") + UInt8(received % 10))
                _ = write(STDERR_FILENO, CrashReport.head, strlen(CrashReport.head))
                withUnsafeBytes(of: &digits) { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, 2) }
                _ = write(STDERR_FILENO, CrashReport.tail, strlen(CrashReport.tail))
                _exit(70)
            }
        }
    }
}
