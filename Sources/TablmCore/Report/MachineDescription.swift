import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The machine a report was made on, in words (CPU model, cores, operating system): timings and
/// floating-point last digits depend on it, so a report names it beside the version and date.
public struct MachineDescription: Codable, Sendable, Equatable {
    public var processor: String
    public var cores: Int
    public var system: String

    public init(processor: String, cores: Int, system: String) {
        self.processor = processor
        self.cores = cores
        self.system = system
    }

    /// This machine: /proc/cpuinfo's model name, the cores this process may use, /etc/os-release's
    /// name and the kernel release. A part that cannot be read is "unknown" (not every system has /proc).
    public static var current: MachineDescription {
        func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        var kernel = ""
        #if canImport(Glibc)
        var name = utsname()
        if uname(&name) == 0 {
            func text<T>(_ field: T) -> String {
                withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            }
            kernel = "\(text(name.sysname)) \(text(name.release)) \(text(name.machine))"
        }
        #endif
        let release = operatingSystem(osRelease: read("/etc/os-release"))
        let system = [release, kernel].compactMap { $0?.isEmpty == false ? $0 : nil }.joined(separator: ", ")
        return MachineDescription(processor: processorModel(cpuinfo: read("/proc/cpuinfo")) ?? "unknown",
                                  cores: ProcessInfo.processInfo.activeProcessorCount, system: system.isEmpty ? "unknown" : system)
    }

    /// The first "model name" of /proc/cpuinfo (x86), else its "Hardware" or "CPU part" line (Arm).
    public static func processorModel(cpuinfo: String) -> String? {
        for key in ["model name", "Hardware", "CPU part"] {
            for line in cpuinfo.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == key {
                    let value = parts[1].trimmingCharacters(in: .whitespaces)
                    if !value.isEmpty { return value }
                }
            }
        }
        return nil
    }

    /// PRETTY_NAME of /etc/os-release, quotes removed.
    public static func operatingSystem(osRelease: String) -> String? {
        for line in osRelease.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return line.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        return nil
    }

    public var description: String { "\(processor), \(cores) \(cores == 1 ? "core" : "cores"), \(system)" }
}
