import BulkheadCore

// Containers must be required to run as non-root users.
// Restricted fields: spec.securityContext.runAsNonRoot,
// spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsNonRoot
// Allowed values: true. The container fields may be undefined/nil if the pod-level
// spec.securityContext.runAsNonRoot is set to true.
// Since v1.35 pods in a user namespace (hostUsers: false) are exempt: root in the pod is not root on the node.
extension PodSecurityStandards {
    static let runAsNonRoot = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "runAsNonRoot", title: "Containers may run as root", severity: .medium, category: "pod-security/restricted",
            description: "Without runAsNonRoot: true the kubelet starts an image whose user is root, and a container breakout starts as root.",
            remediation: "Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser, or a USER in the image).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"), at: ["spec.containers[0].securityContext.runAsNonRoot"]),
                CheckExample(.violation, ExamplePod.pod("securityContext: {runAsNonRoot: true}\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext: {runAsNonRoot: false}"), at: ["spec.containers[0].securityContext.runAsNonRoot"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext: {runAsNonRoot: true}\ncontainers:\n- name: app\n  image: nginx:1.27")),
                CheckExample(.compliant, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             note: "user-namespaced pods are exempt from v1.35"),
                CheckExample(.violation, ExamplePod.pod("hostUsers: false\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.34"), at: ["spec.containers[0].securityContext.runAsNonRoot"]),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 0, runAsNonRootRule),
            .init(since: 35) { spec in spec.usesUserNamespace ? [] : runAsNonRootRule(spec) },
        ])

    @Sendable static func runAsNonRootRule(_ spec: PodSpec) -> [PodSecurityViolation] {
        var violations: [PodSecurityViolation] = []
        var podRunAsNonRoot = false
        if let field = spec.securityContext?.runAsNonRoot {
            if field.value {
                podRunAsNonRoot = true
            } else {
                violations.append(PodSecurityViolation(field, "pod must not set securityContext.runAsNonRoot=false"))
            }
        }
        for container in spec.containers {
            if let field = container.securityContext?.runAsNonRoot {
                if !field.value {
                    violations.append(PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.runAsNonRoot=false"))
                }
            } else if !podRunAsNonRoot {
                violations.append(PodSecurityViolation(
                    mark: container.securityContext?.mark ?? container.mark, path: "\(container.path).securityContext.runAsNonRoot",
                    message: "pod or \(PodSecurityText.container(container)) must set securityContext.runAsNonRoot=true"))
            }
        }
        return violations
    }
}
