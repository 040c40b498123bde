import Foundation

/// Debian's OpenBLAS 0.3.21 does not recognise recent AVX-512 CPUs and falls back to slow generic
/// kernels (measured 5x slower here) unless OPENBLAS_CORETYPE is set before the library loads, which
/// happens before `main`. So on an AVX-512 CPU without the variable, tablm re-executes itself once
/// with OPENBLAS_CORETYPE=SkylakeX. Set OPENBLAS_CORETYPE yourself to choose otherwise.
enum BLASEnvironment {
    static func ensureCoreType() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return }
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy({ flags.split(separator: " ").contains(Substring($0)) })
        else { return }
        setenv("OPENBLAS_CORETYPE", "SkylakeX", 1)
        var arguments = CommandLine.arguments.map { strdup($0) }
        arguments.append(nil)
        execv("/proc/self/exe", &arguments)
        // execv returned: it failed; carry on with whatever kernels OpenBLAS chose.
    }
}
