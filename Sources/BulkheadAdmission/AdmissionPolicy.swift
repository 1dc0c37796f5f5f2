import BulkheadCore
import BulkheadKubernetes

/// How the webhook judges, read from the `admission:` section of `.bulkhead.yaml` (the same file
/// the CLI reads, exceptions included).
///
/// ```yaml
/// admission:
///   podSecurity:            # used when the namespace has no pod-security.kubernetes.io labels
///     enforce: restricted   # and enforce-version, warn, warn-version, audit, audit-version
///     warn: restricted
///   checks:                 # Bulkhead's other checks (RBAC, secrets, images...)
///     mode: warn            # enforce | warn | audit | off
///     namespaces: {payments: enforce}
///   exemptions:             # as Pod Security Admission has them
///     namespaces: [kube-system]
///     usernames: ["system:serviceaccount:kube-system:replicaset-controller"]
///     groups: []
///     runtimeClasses: [kata]
/// ```
public struct AdmissionPolicy: Sendable {
    public enum Mode: String, Sendable, CaseIterable {
        case enforce
        case warn
        case audit
        case off
    }

    /// Pod Security level and version per mode, for namespaces without labels. None by default,
    /// as Pod Security Admission: a namespace without labels has nothing enforced unless the policy
    /// says so (`admission.podSecurity.enforce`).
    public var podSecurity: [Mode: (level: String, version: String)] = [:]
    public var checksMode: Mode = .warn
    public var checksModeByNamespace: [String: Mode] = [:]
    public var exemptNamespaces: Set<String> = []
    public var exemptUsernames: Set<String> = []
    public var exemptGroups: Set<String> = []
    public var exemptRuntimeClasses: Set<String> = []
    /// The whole config, for exceptions and image settings.
    public var config: BulkheadConfig?

    public init() {}

    /// A policy that enforces `level` (at `latest`) in namespaces without labels, as a cluster
    /// that wants everything held to one level writes it (`admission.podSecurity.enforce`).
    public static func enforcing(_ level: String) -> AdmissionPolicy {
        var policy = AdmissionPolicy()
        policy.podSecurity = [.enforce: (level, "latest")]
        return policy
    }

    /// Reads the `admission:` section; problems are returned, the rest applies.
    public static func load(_ config: BulkheadConfig?, text: String?) -> (AdmissionPolicy, [Diagnostic]) {
        var policy = AdmissionPolicy()
        policy.config = config
        var problems: [Diagnostic] = []
        guard let text, let file = config?.file else { return (policy, problems) }
        let loaded = YAMLLoader().load(text, file: file)
        problems += loaded.diagnostics
        guard let section = loaded.documents.first?.root["admission"], section.isMapping else { return (policy, problems) }
        func problem(_ node: YAMLNode, _ field: String, _ message: String) {
            problems.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column, field: field, message: message))
        }
        if let pss = section["podSecurity"] {
            var modes: [Mode: (String, String)] = [:]
            for mode in [Mode.enforce, .warn, .audit] {
                guard let level = pss[mode.rawValue]?.string else { continue }
                guard ["privileged", "baseline", "restricted"].contains(level) else {
                    problem(pss, "admission.podSecurity.\(mode.rawValue)", "must be privileged, baseline or restricted")
                    continue
                }
                let version = pss["\(mode.rawValue)-version"]?.string ?? "latest"
                if PodSecurityVersion(version) == nil {
                    problem(pss, "admission.podSecurity.\(mode.rawValue)-version", "must be v1.N or latest")
                    continue
                }
                modes[mode] = (level, version)
            }
            if !modes.isEmpty { policy.podSecurity = modes }
        }
        if let checks = section["checks"] {
            if let text = checks["mode"]?.string {
                if let mode = Mode(rawValue: text) { policy.checksMode = mode } else { problem(checks, "admission.checks.mode", "must be enforce, warn, audit or off") }
            }
            for pair in checks["namespaces"]?.pairs ?? [] {
                if let text = pair.value.string, let mode = Mode(rawValue: text) {
                    policy.checksModeByNamespace[pair.key] = mode
                } else {
                    problem(pair.value, "admission.checks.namespaces.\(pair.key)", "must be enforce, warn, audit or off")
                }
            }
        }
        if let exemptions = section["exemptions"] {
            func set(_ key: String) -> Set<String> { Set(exemptions[key]?.items?.compactMap(\.string) ?? []) }
            policy.exemptNamespaces = set("namespaces")
            policy.exemptUsernames = set("usernames")
            policy.exemptGroups = set("groups")
            policy.exemptRuntimeClasses = set("runtimeClasses")
        }
        return (policy, problems)
    }

    public func checksMode(for namespace: String) -> Mode {
        checksModeByNamespace[namespace] ?? checksMode
    }
}
