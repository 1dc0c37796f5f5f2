import BulkheadCore

// Containers must not set runAsUser to 0.
// Restricted fields: spec.securityContext.runAsUser,
// spec.{containers,initContainers,ephemeralContainers}[*].securityContext.runAsUser
// Allowed values: any non-zero value, undefined/nil (v1.23+).
// Since v1.35 pods in a user namespace (hostUsers: false) are exempt.
extension PodSecurityStandards {
    static let runAsUser = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "runAsUser", title: "Runs as UID 0", severity: .high, category: "pod-security/restricted",
            description: "runAsUser: 0 runs the container explicitly as root, whatever the image says.",
            remediation: "Set runAsUser to a non-zero UID (for example 10001), or remove it and rely on a non-root USER in the image with runAsNonRoot: true.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext: {runAsUser: 0}\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.securityContext.runAsUser"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {runAsUser: 0}"), at: ["spec.containers[0].securityContext.runAsUser"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext: {runAsUser: 1000}\ncontainers:\n- name: app\n  image: nginx:1.27")),
                CheckExample(.compliant, ExamplePod.pod("securityContext: {runAsUser: 0}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.22"), note: "the check starts at v1.23"),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 23, runAsUserRule),
            .init(since: 35) { spec in spec.usesUserNamespace ? [] : runAsUserRule(spec) },
        ])

    @Sendable static func runAsUserRule(_ spec: PodSpec) -> [PodSecurityViolation] {
        var violations: [PodSecurityViolation] = []
        if let field = spec.securityContext?.runAsUser, field.value == 0 {
            violations.append(PodSecurityViolation(field, "pod must not set securityContext.runAsUser=0"))
        }
        for container in spec.containers {
            if let field = container.securityContext?.runAsUser, field.value == 0 {
                violations.append(PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.runAsUser=0"))
            }
        }
        return violations
    }
}
