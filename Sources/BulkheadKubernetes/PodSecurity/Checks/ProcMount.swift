import BulkheadCore

// The default /proc masks are set up to reduce attack surface, and should be required.
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.procMount
// Allowed values: undefined/nil, Default.
// Since v1.35 the baseline level allows any procMount for pods in a user namespace
// (hostUsers: false); the restricted level (procMount_restricted, v1.35+) still requires Default.
// Upstream now names the baseline check `procMount_baseline`; Bulkhead keeps the ID `procMount`.
extension PodSecurityStandards {
    static let procMount = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "procMount", title: "Unmasked /proc", severity: .medium, category: "pod-security/baseline",
            description: "procMount: Unmasked exposes the host's /proc paths that the runtime normally masks (kernel memory, sysrq, timers).",
            remediation: "Remove securityContext.procMount or set it to Default (Unmasked is only tolerated for pods with hostUsers: false).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Unmasked}"),
                             options: ScanOptions(podSecurityLevel: "baseline"), at: ["spec.containers[0].securityContext.procMount"]),
                CheckExample(.compliant, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Unmasked}"),
                             options: ScanOptions(podSecurityLevel: "baseline"), note: "user-namespaced pods are exempt at baseline from v1.35"),
                CheckExample(.violation, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Unmasked}"),
                             options: ScanOptions(podSecurityLevel: "baseline", podSecurityVersion: "v1.34"), at: ["spec.containers[0].securityContext.procMount"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Default}")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0, procMountStrict),
            .init(since: 35) { spec in spec.usesUserNamespace ? [] : procMountStrict(spec) },
        ])

    static let procMountRestricted = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "procMount_restricted", title: "Unmasked /proc (restricted)", severity: .medium, category: "pod-security/restricted",
            description: "At the restricted level /proc must keep its default masks, even in a user namespace.",
            remediation: "Remove securityContext.procMount or set it to Default.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Unmasked}"), at: ["spec.containers[0].securityContext.procMount"]),
                CheckExample(.compliant, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext: {procMount: Default}")),
            ]),
        level: .restricted,
        implementations: [.init(since: 35, overrides: ["procMount"], procMountStrict)])

    @Sendable static func procMountStrict(_ spec: PodSpec) -> [PodSecurityViolation] {
        spec.containers.compactMap { container in
            guard let field = container.securityContext?.procMount, field.value != "Default" else { return nil }
            return PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.procMount to \"\(field.value)\"")
        }
    }
}
