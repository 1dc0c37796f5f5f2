import BulkheadCore

// Privilege escalation (such as via set-user-ID or set-group-ID file mode) should not be allowed.
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.allowPrivilegeEscalation
// Allowed values: false (v1.8+). Since v1.25 pods with spec.os.name=windows are exempt.
extension PodSecurityStandards {
    static let allowPrivilegeEscalation = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "allowPrivilegeEscalation", title: "Privilege escalation allowed", severity: .medium, category: "pod-security/restricted",
            description: "Without allowPrivilegeEscalation: false a process can gain more privileges than its parent (setuid binaries, no_new_privs unset).",
            remediation: "Set securityContext.allowPrivilegeEscalation: false on every container.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, FrameworkReference(.cisEKS, "4.2.5"), PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"), at: ["spec.containers[0].securityContext.allowPrivilegeEscalation"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {allowPrivilegeEscalation: true}"), at: ["spec.containers[0].securityContext.allowPrivilegeEscalation"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext: {allowPrivilegeEscalation: false}")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.7"), note: "the check starts at v1.8"),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 8, allowPrivilegeEscalationRule),
            .init(since: 25) { spec in spec.isWindows ? [] : allowPrivilegeEscalationRule(spec) },
        ])

    @Sendable static func allowPrivilegeEscalationRule(_ spec: PodSpec) -> [PodSecurityViolation] {
        spec.containers.compactMap { container in
            if let field = container.securityContext?.allowPrivilegeEscalation {
                return field.value
                    ? PodSecurityViolation(field, "\(PodSecurityText.container(container)) must set securityContext.allowPrivilegeEscalation=false")
                    : nil
            }
            return PodSecurityViolation(
                mark: container.securityContext?.mark ?? container.mark, path: "\(container.path).securityContext.allowPrivilegeEscalation",
                message: "\(PodSecurityText.container(container)) must set securityContext.allowPrivilegeEscalation=false")
        }
    }
}
