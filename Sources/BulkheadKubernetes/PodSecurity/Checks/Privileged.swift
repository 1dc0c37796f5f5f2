import BulkheadCore

// Privileged Pods disable most security mechanisms and must be disallowed.
// Restricted fields: spec.containers[*].securityContext.privileged,
// spec.initContainers[*].securityContext.privileged, spec.ephemeralContainers[*].securityContext.privileged
// Allowed values: undefined/nil, false
extension PodSecurityStandards {
    static let privileged = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "privileged", title: "Privileged containers", severity: .critical, category: "pod-security/baseline",
            description: "A privileged container runs with every capability and access to all host devices: it is root on the node.",
            remediation: "Remove securityContext.privileged or set it to false; grant only the specific capability the workload needs.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, FrameworkReference(.cisEKS, "4.2.1"), PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("""
                    containers:
                    - name: app
                      image: nginx:1.27
                      securityContext: {privileged: ↓true}
                    """)),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\ninitContainers:\n- name: setup\n  image: busybox:1.36\n  securityContext:\n    privileged: yes"),
                             note: "YAML 1.1 `yes` is true for Kubernetes too", at: ["spec.initContainers[0].securityContext.privileged"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {privileged: false}")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                spec.containers.compactMap { container in
                    guard let field = container.securityContext?.privileged, field.value else { return nil }
                    return PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.privileged=true")
                }
            },
        ])
}
