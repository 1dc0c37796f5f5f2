import BulkheadCore

/// The Pod Security Standards levels. `privileged` applies no check.
public enum PodSecurityLevel: String, Sendable, Comparable, CaseIterable {
    case privileged
    case baseline
    case restricted

    private var rank: Int {
        switch self {
        case .privileged: return 0
        case .baseline: return 1
        case .restricted: return 2
        }
    }

    public static func < (lhs: PodSecurityLevel, rhs: PodSecurityLevel) -> Bool { lhs.rank < rhs.rank }
}

/// A Pod Security Standards version: `v1.N`, or `latest` (every check at its newest definition).
public enum PodSecurityVersion: Sendable, Hashable, CustomStringConvertible {
    case minor(Int)
    case latest

    /// Parses `v1.25`, `1.25` or `latest`.
    public init?(_ text: String) {
        if text == "latest" {
            self = .latest
            return
        }
        let trimmed = text.hasPrefix("v") ? text.dropFirst() : Substring(text)
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "1", let minor = Int(parts[1]), minor >= 0, String(minor) == parts[1] else { return nil }
        self = .minor(minor)
    }

    public var description: String {
        switch self {
        case .latest: return "latest"
        case .minor(let minor): return "v1.\(minor)"
        }
    }

    /// Whether a check implementation introduced in `v1.minimum` is in force at this version.
    func includes(_ minimum: Int) -> Bool {
        switch self {
        case .latest: return true
        case .minor(let minor): return minimum <= minor
        }
    }
}

/// The level and version a pod is judged at, and where that came from.
public struct PodSecurityPolicy: Sendable, Hashable {
    public enum Source: String, Sendable {
        case commandLine = "command line"
        case namespaceLabel = "namespace label"
        case defaults = "default"
    }

    public var level: PodSecurityLevel
    public var version: PodSecurityVersion
    public var source: Source

    public static let enforceLabel = "pod-security.kubernetes.io/enforce"
    public static let enforceVersionLabel = "pod-security.kubernetes.io/enforce-version"

    /// The level and version a namespace's labels set for one mode (`enforce`, `warn`, `audit`),
    /// by the admission plugin's rules: a missing label takes the default; an invalid level or
    /// version makes the mode restricted/latest. The one reading of the labels, for the scan and
    /// the webhook alike.
    public struct LabelResolution: Sendable, Hashable {
        public var level: PodSecurityLevel?
        public var version: PodSecurityVersion?
        /// Labels whose value is not a level or a version.
        public var invalid: [String]
    }

    public static func fromLabels(_ labels: [String: String], mode: String = "enforce", defaultLevel: PodSecurityLevel? = nil,
                                  defaultVersion: PodSecurityVersion? = nil) -> LabelResolution {
        let levelLabel = "pod-security.kubernetes.io/\(mode)"
        let versionLabel = "pod-security.kubernetes.io/\(mode)-version"
        var resolution = LabelResolution(level: defaultLevel, version: defaultVersion, invalid: [])
        if let text = labels[levelLabel] {
            if let parsed = PodSecurityLevel(rawValue: text) { resolution.level = parsed } else { resolution.invalid.append(levelLabel) }
        }
        if let text = labels[versionLabel] {
            if let parsed = PodSecurityVersion(text) { resolution.version = parsed } else { resolution.invalid.append(versionLabel) }
        }
        if !resolution.invalid.isEmpty {
            resolution.level = .restricted
            resolution.version = .latest
        }
        return resolution
    }

    /// Command line first, then the namespace's `enforce` labels, then restricted/latest.
    /// An invalid namespace label is judged as restricted/latest, as the admission plugin
    /// does, and reported.
    static func resolve(for resource: Resource, context: ScanContext) -> (PodSecurityPolicy, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        let commandLevel = context.options.podSecurityLevel.flatMap(PodSecurityLevel.init(rawValue:))
        let commandVersion = context.options.podSecurityVersion.flatMap(PodSecurityVersion.init)
        var level = commandLevel
        var version = commandVersion
        var source = commandLevel != nil || commandVersion != nil ? Source.commandLine : .defaults
        if level == nil || version == nil, let name = resource.namespace, let namespace = context.namespaces[name] {
            let labels = fromLabels(namespace.labels)
            for label in labels.invalid {
                let mark = namespace.node["metadata"]?["labels"]?[label]?.mark ?? namespace.node.mark
                diagnostics.append(Diagnostic(level: .warning, file: namespace.file, line: mark.line, column: mark.column,
                                              field: "metadata.labels[\(label)]",
                                              message: "invalid value \"\(namespace.labels[label] ?? "")\"; judged as restricted/latest, as the admission plugin does"))
            }
            if labels.level != nil || labels.version != nil, source == .defaults { source = .namespaceLabel }
            level = level ?? labels.level
            version = version ?? labels.version
        }
        return (PodSecurityPolicy(level: level ?? .restricted, version: version ?? .latest, source: source), diagnostics)
    }
}
