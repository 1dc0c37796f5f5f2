import BulkheadCore

// On supported hosts the RuntimeDefault AppArmor profile is applied by default. The baseline
// policy prevents overriding or disabling it, or restricts overrides to an allowed set of profiles.
// Restricted fields: spec.securityContext.appArmorProfile.type,
// spec.{containers,initContainers,ephemeralContainers}[*].securityContext.appArmorProfile.type,
// metadata.annotations["container.apparmor.security.beta.kubernetes.io/*"]
// Allowed values: undefined/nil, RuntimeDefault, Localhost; annotations: "", runtime/default, localhost/*
extension PodSecurityStandards {
    static let appArmorAnnotationPrefix = "container.apparmor.security.beta.kubernetes.io/"

    static let appArmorProfile = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "appArmorProfile", title: "AppArmor profile disabled", severity: .medium, category: "pod-security/baseline",
            description: "An Unconfined AppArmor profile removes the mandatory access control that limits what a compromised container can touch.",
            remediation: "Use the RuntimeDefault profile (or a Localhost profile you maintain) in securityContext.appArmorProfile.type; remove `unconfined` annotations.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  appArmorProfile: {type: Unconfined}\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.securityContext.appArmorProfile.type"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27",
                                                        metadata: "annotations:\n  container.apparmor.security.beta.kubernetes.io/app: unconfined"), at: ["metadata.annotations[container.apparmor.security.beta.kubernetes.io/app]"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  securityContext:\n    appArmorProfile: {type: Localhost, localhostProfile: k8s-app}",
                                                        metadata: "annotations:\n  container.apparmor.security.beta.kubernetes.io/app: runtime/default")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27",
                                                        metadata: "annotations:\n  container.apparmor.security.beta.kubernetes.io/app: \"\""),
                             note: "an empty annotation value is allowed, as upstream allows it"),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                var violations: [PodSecurityViolation] = []
                let allowedTypes: Set<String> = ["RuntimeDefault", "Localhost"]
                if let type = spec.securityContext?.appArmorProfileType, !allowedTypes.contains(type.value) {
                    violations.append(PodSecurityViolation(type, "pod must not set securityContext.appArmorProfile.type to \"\(type.value)\""))
                }
                for container in spec.containers {
                    if let type = container.securityContext?.appArmorProfileType, !allowedTypes.contains(type.value) {
                        violations.append(PodSecurityViolation(type, "\(PodSecurityText.container(container)) must not set securityContext.appArmorProfile.type to \"\(type.value)\""))
                    }
                }
                for (key, value) in spec.annotations.sorted(by: { $0.key < $1.key }) where key.hasPrefix(appArmorAnnotationPrefix) {
                    if !value.value.isEmpty && value.value != "runtime/default" && !value.value.hasPrefix("localhost/") {
                        violations.append(PodSecurityViolation(value, "annotation \(key) must not be \"\(value.value)\""))
                    }
                }
                return violations
            },
        ])
}
