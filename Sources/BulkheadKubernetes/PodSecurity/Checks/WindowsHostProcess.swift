import BulkheadCore

// Windows pods offer the ability to run HostProcess containers which enables privileged access
// to the Windows host machine. Privileged access to the host is disallowed in the baseline policy.
// Restricted fields: spec.securityContext.windowsOptions.hostProcess,
// spec.{containers,initContainers,ephemeralContainers}[*].securityContext.windowsOptions.hostProcess
// Allowed values: undefined/nil, false
extension PodSecurityStandards {
    static let windowsHostProcess = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "windowsHostProcess", title: "Windows HostProcess containers", severity: .critical, category: "pod-security/baseline",
            description: "A HostProcess container runs directly on the Windows node as a host process: it is administrator of the node.",
            remediation: "Remove windowsOptions.hostProcess (or set it to false).",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  windowsOptions: {hostProcess: true, runAsUserName: \"NT AUTHORITY\\\\SYSTEM\"}\nhostNetwork: true\ncontainers:\n- name: app\n  image: mcr.microsoft.com/windows/nanoserver:ltsc2022"), at: ["spec.securityContext.windowsOptions.hostProcess"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: mcr.microsoft.com/windows/nanoserver:ltsc2022\n  securityContext:\n    windowsOptions: {hostProcess: false}")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                var violations: [PodSecurityViolation] = []
                if let field = spec.securityContext?.windowsHostProcess, field.value {
                    violations.append(PodSecurityViolation(field, "pod must not set securityContext.windowsOptions.hostProcess=true"))
                }
                for container in spec.containers {
                    if let field = container.securityContext?.windowsHostProcess, field.value {
                        violations.append(PodSecurityViolation(field, "\(PodSecurityText.container(container)) must not set securityContext.windowsOptions.hostProcess=true"))
                    }
                }
                return violations
            },
        ])
}
