import BulkheadCore

// Sysctls can disable security mechanisms or affect all containers on a host, and should be
// disallowed except for an allowed "safe" subset: namespaced in the container or the pod, and
// isolated from other pods or processes on the same node.
// Restricted fields: spec.securityContext.sysctls[*].name
// Allowed values: v1.0 kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies,
// net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start; v1.27 + net.ipv4.ip_local_reserved_ports;
// v1.29 + net.ipv4.tcp_keepalive_time, tcp_fin_timeout, tcp_keepalive_intvl, tcp_keepalive_probes;
// v1.32 + net.ipv4.tcp_rmem, tcp_wmem; v1.37 + net.ipv4.tcp_slow_start_after_idle, tcp_notsent_lowat.
extension PodSecurityStandards {
    static let sysctlsV1Dot0: Set<String> = [
        "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start",
    ]
    static let sysctlsV1Dot27 = sysctlsV1Dot0.union(["net.ipv4.ip_local_reserved_ports"])
    static let sysctlsV1Dot29 = sysctlsV1Dot27.union([
        "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    ])
    static let sysctlsV1Dot32 = sysctlsV1Dot29.union(["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"])
    static let sysctlsV1Dot37 = sysctlsV1Dot32.union(["net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"])

    static let sysctls = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "sysctls", title: "Unsafe sysctls", severity: .medium, category: "pod-security/baseline",
            description: "Sysctls outside the namespaced safe set change kernel behaviour for every pod of the node.",
            remediation: "Remove the sysctl, or set it on the node (with a dedicated node pool) rather than from a pod.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistRuntimeConfig],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  sysctls:\n  - {name: kernel.msgmax, value: \"65536\"}\ncontainers:\n- name: app\n  image: nginx:1.27"), at: ["spec.securityContext.sysctls[0].name"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext:\n  sysctls:\n  - {name: net.ipv4.ip_local_port_range, value: \"1024 65000\"}\ncontainers:\n- name: app\n  image: nginx:1.27")),
                CheckExample(.violation, ExamplePod.pod("securityContext:\n  sysctls:\n  - {name: net.ipv4.tcp_keepalive_time, value: \"300\"}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.28"), note: "added to the safe set in v1.29", at: ["spec.securityContext.sysctls[0].name"]),
                CheckExample(.compliant, ExamplePod.pod("securityContext:\n  sysctls:\n  - {name: net.ipv4.tcp_keepalive_time, value: \"300\"}\ncontainers:\n- name: app\n  image: nginx:1.27"),
                             options: ScanOptions(podSecurityVersion: "v1.29")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { sysctlRule($0, allowed: sysctlsV1Dot0) },
            .init(since: 27) { sysctlRule($0, allowed: sysctlsV1Dot27) },
            .init(since: 29) { sysctlRule($0, allowed: sysctlsV1Dot29) },
            .init(since: 32) { sysctlRule($0, allowed: sysctlsV1Dot32) },
            .init(since: 37) { sysctlRule($0, allowed: sysctlsV1Dot37) },
        ])

    static func sysctlRule(_ spec: PodSpec, allowed: Set<String>) -> [PodSecurityViolation] {
        (spec.securityContext?.sysctls ?? []).filter { !allowed.contains($0.value) }.map {
            PodSecurityViolation($0, "pod must not set sysctl \"\($0.value)\"")
        }
    }
}
