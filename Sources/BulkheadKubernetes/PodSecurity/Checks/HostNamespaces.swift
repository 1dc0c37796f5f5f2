import BulkheadCore

// Sharing the host namespaces must be disallowed.
// Restricted fields: spec.hostNetwork, spec.hostPID, spec.hostIPC
// Allowed values: undefined/nil, false
extension PodSecurityStandards {
    static let hostNamespaces = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "hostNamespaces", title: "Host namespaces", severity: .high, category: "pod-security/baseline",
            description: "hostNetwork, hostPID and hostIPC let a pod see the node's network interfaces, every process and shared memory of the node.",
            remediation: "Remove hostNetwork, hostPID and hostIPC (or set them to false); expose ports through a Service instead of the host network.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, FrameworkReference(.cisEKS, "4.2.2"), FrameworkReference(.cisEKS, "4.2.3"),
                         FrameworkReference(.cisEKS, "4.2.4"), PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("hostPID: true\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.hostPID"]),
                CheckExample(.violation, ExamplePod.pod("hostNetwork: true\nhostIPC: true\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.hostNetwork", "spec.hostIPC"]),
                CheckExample(.compliant, ExamplePod.pod("hostNetwork: false\ncontainers:\n- name: app\n  image: nginx:1.27")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                [spec.hostNetwork, spec.hostPID, spec.hostIPC].compactMap { field in
                    guard let field, field.value else { return nil }
                    let name = field.path.split(separator: ".").last.map(String.init) ?? field.path
                    return PodSecurityViolation(field, "pod must not set \(name)=true")
                }
            },
        ])
}
