import BulkheadCore
import Foundation

/// The `.bulkhead.yaml` a command over manifests works with — the one given with `--config`, else
/// the first found beside the inputs — and the scan options it implies. `scan` and `matrix` load
/// it here, so an exception written for one is honoured by the other.
struct ProjectConfiguration {
    var config: BulkheadConfig?
    /// Problems reading or validating the file, reported with the input's.
    var diagnostics: [Diagnostic] = []

    init(explicit path: String?, discovered: InputDiscovery.Output) {
        guard let path = path ?? Self.locate(discovered) else { return }
        let (loaded, problems) = BulkheadConfig.load(path: path)
        config = loaded
        diagnostics = problems
        if let level = loaded?.podSecurityLevel, !["baseline", "restricted"].contains(level) {
            diagnostics.append(Diagnostic(file: loaded?.file ?? path, field: "podSecurity.level", message: "must be baseline or restricted"))
        }
    }

    /// Options from the file; the command line's level and version win over it.
    func scanOptions(level: String? = nil, pssVersion: String? = nil) -> ScanOptions {
        ScanOptions(
            podSecurityLevel: level ?? config?.podSecurityLevel,
            podSecurityVersion: pssVersion ?? config?.podSecurityVersion,
            allowedRegistries: config?.allowedRegistries ?? [],
            imageDigestSeverity: config?.imageDigestSeverity)
    }

    /// `.bulkhead.yaml` in the first scanned directory that has one, else beside the first file,
    /// else in the working directory.
    static func locate(_ discovered: InputDiscovery.Output) -> String? {
        var candidates = discovered.directories
        for input in discovered.inputs {
            if case .file(let path) = input { candidates.append((path as NSString).deletingLastPathComponent) }
        }
        candidates.append(".")
        // Each directory once: a scan of thousands of files in one directory looks there once.
        var tried = Set<String>()
        for directory in candidates where tried.insert(directory).inserted {
            let path = directory.isEmpty ? BulkheadConfig.fileName : (directory as NSString).appendingPathComponent(BulkheadConfig.fileName)
            if FileManager.default.fileExists(atPath: path) { return path }
        }
        return nil
    }
}
