import BulkheadCore

// Host field is restricted in the probes and lifecycle handlers (v1.34+).
// Restricted fields: spec.{containers,initContainers}[*].{livenessProbe,readinessProbe,startupProbe}.{httpGet,tcpSocket}.host,
// spec.{containers,initContainers}[*].lifecycle.{postStart,preStop}.{httpGet,tcpSocket}.host
// Allowed values: undefined/nil, ""
extension PodSecurityStandards {
    static let hostProbesAndHostLifecycle = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "hostProbesAndHostLifecycle", title: "Probe or lifecycle handler with a host", severity: .medium, category: "pod-security/baseline",
            description: "A probe or lifecycle handler with `host` makes the kubelet connect to any address on the pod's behalf: a server-side request forgery from the node.",
            remediation: "Remove `host` from httpGet/tcpSocket probes and lifecycle handlers; they then target the pod's own IP.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  livenessProbe:\n    httpGet: {host: 169.254.169.254, path: /latest/meta-data/, port: 80}"), at: ["spec.containers[0].livenessProbe.httpGet.host"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  livenessProbe:\n    httpGet: {path: /healthz, port: 8080}")),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\n  readinessProbe:\n    tcpSocket: {host: 10.0.0.1, port: 80}"),
                             options: ScanOptions(podSecurityVersion: "v1.33"), note: "the check starts at v1.34"),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 34) { spec in
                spec.containers.flatMap { container in
                    container.probeHosts.map {
                        PodSecurityViolation($0, "\(PodSecurityText.container(container)) uses probe or lifecycle host \"\($0.value)\"")
                    }
                }
            },
        ])
}
