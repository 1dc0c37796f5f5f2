import BulkheadCore

// HostPorts should be disallowed entirely (recommended) or restricted to a known list.
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].ports[*].hostPort
// Allowed values: undefined/nil, 0
extension PodSecurityStandards {
    static let hostPorts = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "hostPorts", title: "Host ports", severity: .medium, category: "pod-security/baseline",
            description: "A hostPort binds the node's own network interface, bypassing NetworkPolicies and exposing the pod on every address of the node.",
            remediation: "Remove hostPort and expose the container through a Service (ClusterIP, or a LoadBalancer with source ranges).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  ports:\n  - containerPort: 80\n    hostPort: 8080"), at: ["spec.containers[0].ports[0].hostPort"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  ports:\n  - containerPort: 80\n    hostPort: 0")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                spec.containers.flatMap { container in
                    container.hostPorts.filter { $0.value != 0 }.map {
                        PodSecurityViolation($0, "\(PodSecurityText.container(container)) must not set hostPort (\($0.value))")
                    }
                }
            },
        ])
}
