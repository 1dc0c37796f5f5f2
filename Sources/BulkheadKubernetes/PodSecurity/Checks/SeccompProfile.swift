import BulkheadCore

// Baseline: seccomp profile must not be explicitly set to Unconfined (or anything but the runtime's or a local profile).
//   v1.0: metadata.annotations["seccomp.security.alpha.kubernetes.io/pod"],
//         metadata.annotations["container.seccomp.security.alpha.kubernetes.io/<container name>"]
//         Allowed values: runtime/default, docker/default, localhost/*, undefined
//   v1.19: spec.securityContext.seccompProfile.type and
//          spec.{containers,initContainers,ephemeralContainers}[*].securityContext.seccompProfile.type
//          Allowed values: RuntimeDefault, Localhost, undefined
// Restricted (v1.19+): seccomp profile must be explicitly set to RuntimeDefault or Localhost, on the
// pod or on every container; a container may not set Unconfined. Windows pods exempt since v1.25.
extension PodSecurityStandards {
    static let seccompProfileBaseline = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "seccompProfile_baseline", title: "Seccomp disabled", severity: .medium, category: "pod-security/baseline",
            description: "An Unconfined seccomp profile lets the container call every system call of the node's kernel, the usual path of kernel exploits.",
            remediation: "Set securityContext.seccompProfile.type to RuntimeDefault (or Localhost) instead of Unconfined.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  seccompProfile: {type: Unconfined}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityLevel: "baseline"), at: ["spec.securityContext.seccompProfile.type"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27",
                                                        metadata: "annotations:\n  seccomp.security.alpha.kubernetes.io/pod: unconfined"),
                             options: ScanOptions(podSecurityLevel: "baseline", podSecurityVersion: "v1.18"),
                             note: "before v1.19 the annotations are what is checked", at: ["metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    seccompProfile: {type: RuntimeDefault}"),
                             options: ScanOptions(podSecurityLevel: "baseline")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27",
                                                        metadata: "annotations:\n  container.seccomp.security.alpha.kubernetes.io/app: docker/default\n  container.seccomp.security.alpha.kubernetes.io/gone: unconfined"),
                             options: ScanOptions(podSecurityLevel: "baseline", podSecurityVersion: "v1.18"),
                             note: "only annotations of containers that exist are read"),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                func allowed(_ value: String) -> Bool {
                    value == "runtime/default" || value == "docker/default" || value.hasPrefix("localhost/")
                }
                let keys = ["seccomp.security.alpha.kubernetes.io/pod"]
                    + spec.containers.map { "container.seccomp.security.alpha.kubernetes.io/\($0.name)" }
                return keys.compactMap { key in
                    guard let value = spec.annotations[key], !allowed(value.value) else { return nil }
                    return PodSecurityViolation(value, "forbidden annotation \(key)=\"\(value.value)\"")
                }
            },
            .init(since: 19) { spec in
                var violations: [PodSecurityViolation] = []
                if let type = spec.securityContext?.seccompProfileType, !seccompTypes.contains(type.value) {
                    violations.append(PodSecurityViolation(type, "pod must not set securityContext.seccompProfile.type to \"\(type.value)\""))
                }
                for container in spec.containers {
                    if let type = container.securityContext?.seccompProfileType, !seccompTypes.contains(type.value) {
                        violations.append(PodSecurityViolation(type, "\(PodSecurityText.container(container)) must not set securityContext.seccompProfile.type to \"\(type.value)\""))
                    }
                }
                return violations
            },
        ])

    static let seccompProfileRestricted = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "seccompProfile_restricted", title: "Seccomp profile not set", severity: .low, category: "pod-security/restricted",
            description: "Restricted pods run under the runtime's default seccomp profile (or a Localhost one), set explicitly.",
            remediation: "Set spec.securityContext.seccompProfile.type: RuntimeDefault on the pod (or on every container).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27"), at: ["spec.containers[0].securityContext.seccompProfile.type"]),
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  seccompProfile: {type: RuntimeDefault}\ncontainers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    seccompProfile: {type: Unconfined}"), at: ["spec.containers[0].securityContext.seccompProfile.type"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext:\n  seccompProfile: {type: RuntimeDefault}\ncontainers:\n- name: app\n  image: nginx:1.27")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    seccompProfile: {type: Localhost, localhostProfile: app.json}")),
                CheckExample(.compliant, ExamplePod.pod("os: {name: windows}\ncontainers:\n- name: app\n  image: mcr.microsoft.com/windows/nanoserver:ltsc2022")),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 19, overrides: ["seccompProfile_baseline"], seccompRestrictedRule),
            .init(since: 25, overrides: ["seccompProfile_baseline"]) { spec in spec.isWindows ? [] : seccompRestrictedRule(spec) },
        ])

    static let seccompTypes: Set<String> = ["RuntimeDefault", "Localhost"]

    @Sendable static func seccompRestrictedRule(_ spec: PodSpec) -> [PodSecurityViolation] {
        let allowed = seccompTypes
        var violations: [PodSecurityViolation] = []
        var podValid = false
        if let type = spec.securityContext?.seccompProfileType {
            if allowed.contains(type.value) {
                podValid = true
            } else {
                violations.append(PodSecurityViolation(type, "pod must not set securityContext.seccompProfile.type to \"\(type.value)\""))
            }
        }
        for container in spec.containers {
            if let type = container.securityContext?.seccompProfileType {
                if !allowed.contains(type.value) {
                    violations.append(PodSecurityViolation(type, "\(PodSecurityText.container(container)) must not set securityContext.seccompProfile.type to \"\(type.value)\""))
                }
            } else if !podValid {
                violations.append(PodSecurityViolation(
                    mark: container.securityContext?.mark ?? container.mark, path: "\(container.path).securityContext.seccompProfile.type",
                    message: "pod or \(PodSecurityText.container(container)) must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\""))
            }
        }
        return violations
    }
}
