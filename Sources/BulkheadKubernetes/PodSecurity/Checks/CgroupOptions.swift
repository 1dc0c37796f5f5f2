import BulkheadCore

// Writable cgroups grant a container read-write access to its own cgroup subtree, an elevated
// capability that increases attack surface and is not allowed by the restricted profile (v1.38+).
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.cgroupOptions.mountMode
// Allowed values: undefined/nil, ReadOnly
extension PodSecurityStandards {
    static let cgroupOptionsRestricted = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "cgroupOptions_restricted", title: "Writable cgroup mount", severity: .medium, category: "pod-security/restricted",
            description: "A writable cgroup mount lets the container change its own resource controls.",
            remediation: "Remove securityContext.cgroupOptions.mountMode or set it to ReadOnly.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    cgroupOptions: {mountMode: Writable}"), at: ["spec.containers[0].securityContext.cgroupOptions.mountMode"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    cgroupOptions: {mountMode: ReadOnly}")),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 38) { spec in
                spec.containers.compactMap { container in
                    guard let field = container.securityContext?.cgroupMountMode, field.value == "Writable" else { return nil }
                    return PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.cgroupOptions.mountMode to \"Writable\"")
                }
            },
        ])
}
