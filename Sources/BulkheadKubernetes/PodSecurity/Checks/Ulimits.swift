import BulkheadCore

// Container ulimits are only allowed by the Privileged policy level (v1.37+).
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.ulimits
// Allowed values: undefined/nil
extension PodSecurityStandards {
    static let ulimits = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "ulimits", title: "Container ulimits", severity: .low, category: "pod-security/baseline",
            description: "Raising resource limits from the pod lets a container exhaust node resources (file descriptors, locked memory) shared with other pods.",
            remediation: "Remove securityContext.ulimits; set limits on the node or with resource limits instead.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    ulimits: [{name: nofile, soft: 1048576, hard: 1048576}]"), at: ["spec.containers[0].securityContext.ulimits"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    ulimits: [{name: nofile, soft: 1048576, hard: 1048576}]"),
                             options: ScanOptions(podSecurityVersion: "v1.36"), note: "the check starts at v1.37"),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 37) { spec in
                spec.containers.compactMap { container in
                    guard let field = container.securityContext?.ulimits else { return nil }
                    return PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.ulimits")
                }
            },
        ])
}
