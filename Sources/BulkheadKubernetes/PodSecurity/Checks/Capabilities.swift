import BulkheadCore

// Baseline: adding capabilities beyond the container runtime's default set must be disallowed.
// Restricted fields: spec.{containers,initContainers,ephemeralContainers}[*].securityContext.capabilities.add
// Allowed values: undefined/empty, AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD,
// NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT
//
// Restricted (v1.22+): containers must drop ALL capabilities, and are only permitted to add back
// NET_BIND_SERVICE. Restricted fields: ...securityContext.capabilities.drop (must include ALL),
// ...securityContext.capabilities.add (undefined/empty or NET_BIND_SERVICE).
// Since v1.25 pods with spec.os.name=windows are exempt.
extension PodSecurityStandards {
    static let baselineCapabilities: Set<String> = [
        "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE",
        "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
    ]

    static let capabilitiesBaseline = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "capabilities_baseline", title: "Capabilities beyond the default set", severity: .high, category: "pod-security/baseline",
            description: "Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE give a container kernel powers that lead to node compromise.",
            remediation: "Remove the added capability; if the workload truly needs one, keep to the default set (e.g. NET_BIND_SERVICE).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    capabilities: {add: [SYS_ADMIN]}"),
                             options: ScanOptions(podSecurityLevel: "baseline"), at: ["spec.containers[0].securityContext.capabilities.add[0]"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    capabilities: {add: [CHOWN, NET_BIND_SERVICE]}"),
                             options: ScanOptions(podSecurityLevel: "baseline")),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    capabilities: {add: [NET_RAW]}"),
                             options: ScanOptions(podSecurityLevel: "restricted", podSecurityVersion: "v1.21"),
                             note: "before v1.22 the restricted level still uses the baseline capabilities check", at: ["spec.containers[0].securityContext.capabilities.add[0]"]),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                spec.containers.flatMap { container in
                    (container.securityContext?.capabilitiesAdd ?? []).compactMap { capability in
                        guard !baselineCapabilities.contains(capability.value) else { return nil }
                        return PodSecurityViolation(capability, "\(PodSecurityText.container(container)) must not include \"\(capability.value)\" in securityContext.capabilities.add")
                    }
                }
            },
        ])

    static let capabilitiesRestricted = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "capabilities_restricted", title: "Capabilities not dropped", severity: .medium, category: "pod-security/restricted",
            description: "Restricted containers drop every capability and add back at most NET_BIND_SERVICE.",
            remediation: "Set securityContext.capabilities.drop: [\"ALL\"] on every container; add back only NET_BIND_SERVICE if it binds a port below 1024.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"), at: ["spec.containers[0].securityContext.capabilities.drop"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    capabilities: {drop: [ALL], add: [CHOWN]}"), at: ["spec.containers[0].securityContext.capabilities.add[0]"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}")),
                CheckExample(.compliant, ExamplePod.pod("os: {name: windows}\ncontainers:\n- name: app\n  image: mcr.microsoft.com/windows/nanoserver:ltsc2022"),
                             note: "Windows pods are exempt since v1.25"),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.21"), note: "the check starts at v1.22"),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 22, overrides: ["capabilities_baseline"], capabilitiesRestrictedRule),
            .init(since: 25, overrides: ["capabilities_baseline"]) { spec in
                spec.isWindows ? [] : capabilitiesRestrictedRule(spec)
            },
        ])

    @Sendable static func capabilitiesRestrictedRule(_ spec: PodSpec) -> [PodSecurityViolation] {
        var violations: [PodSecurityViolation] = []
        for container in spec.containers {
            let context = container.securityContext
            if !(context?.capabilitiesDrop.contains { $0.value == "ALL" } ?? false) {
                let mark = context?.capabilitiesDrop.first?.mark ?? context?.mark ?? container.mark
                violations.append(PodSecurityViolation(
                    mark: mark, path: "\(container.path).securityContext.capabilities.drop",
                    message: "\(PodSecurityText.container(container)) must set securityContext.capabilities.drop=[\"ALL\"]"))
            }
            for capability in context?.capabilitiesAdd ?? [] where capability.value != "NET_BIND_SERVICE" {
                violations.append(PodSecurityViolation(
                    capability, "\(PodSecurityText.container(container)) must not include \"\(capability.value)\" in securityContext.capabilities.add"))
            }
        }
        return violations
    }
}
