import BulkheadCore

// Setting the SELinux type is restricted, and setting a custom SELinux user or role option is forbidden.
// Restricted fields: spec.securityContext.seLinuxOptions.{type,user,role},
// spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seLinuxOptions.{type,user,role}
// Allowed values (type): undefined/"", container_t, container_init_t, container_kvm_t,
// and since v1.31 container_engine_t. Allowed values (user, role): undefined/"".
extension PodSecurityStandards {
    static let seLinuxOptions = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "seLinuxOptions", title: "Custom SELinux options", severity: .medium, category: "pod-security/baseline",
            description: "A custom SELinux type, user or role can lift the container out of the confinement the node's policy gives containers.",
            remediation: "Remove seLinuxOptions.user and .role; use one of the container types (container_t, container_init_t, container_kvm_t, container_engine_t) or leave type unset.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  seLinuxOptions: {type: spc_t}\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.securityContext.seLinuxOptions.type"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    seLinuxOptions: {user: system_u, role: system_r}"), at: ["spec.containers[0].securityContext.seLinuxOptions.user", "spec.containers[0].securityContext.seLinuxOptions.role"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext:\n  seLinuxOptions: {type: container_t, level: \"s0:c123,c456\"}\ncontainers:\n- name: app\n  image: nginx:1.27")),
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  seLinuxOptions: {type: container_engine_t}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.30"), note: "container_engine_t is allowed from v1.31", at: ["spec.securityContext.seLinuxOptions.type"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext:\n  seLinuxOptions: {type: container_engine_t}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.31")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { seLinuxRule($0, allowedTypes: ["", "container_t", "container_init_t", "container_kvm_t"]) },
            .init(since: 31) { seLinuxRule($0, allowedTypes: ["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]) },
        ])

    static func seLinuxRule(_ spec: PodSpec, allowedTypes: Set<String>) -> [PodSecurityViolation] {
        var violations: [PodSecurityViolation] = []
        func check(_ options: SELinuxOptions?, _ who: String) {
            guard let options else { return }
            if let type = options.type, !allowedTypes.contains(type.value) {
                violations.append(PodSecurityViolation(type, "\(who) must not set securityContext.seLinuxOptions.type to \"\(type.value)\""))
            }
            for field in [options.user, options.role] {
                if let field, !field.value.isEmpty {
                    let name = field.path.split(separator: ".").last.map(String.init) ?? "user"
                    violations.append(PodSecurityViolation(field, "\(who) must not set securityContext.seLinuxOptions.\(name)"))
                }
            }
        }
        check(spec.securityContext?.seLinuxOptions, "pod")
        for container in spec.containers {
            check(container.securityContext?.seLinuxOptions, PodSecurityText.container(container))
        }
        return violations
    }
}
