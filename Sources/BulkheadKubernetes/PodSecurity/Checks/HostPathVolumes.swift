import BulkheadCore

// HostPath volumes must be forbidden.
// Restricted fields: spec.volumes[*].hostPath
// Allowed values: undefined/nil
extension PodSecurityStandards {
    static let hostPathVolumes = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "hostPathVolumes", title: "HostPath volumes", severity: .high, category: "pod-security/baseline",
            description: "A hostPath volume mounts a directory of the node into the pod: the node's credentials, the container runtime socket, or `/` itself.",
            remediation: "Replace the hostPath volume with a PersistentVolumeClaim, a ConfigMap/Secret, an emptyDir or a CSI volume.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistHostFilesystem],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: docker\n  hostPath: {path: /var/run/docker.sock}"),
                             options: ScanOptions(podSecurityLevel: "baseline"), at: ["spec.volumes[0].hostPath"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: cache\n  emptyDir: {}"),
                             options: ScanOptions(podSecurityLevel: "baseline")),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 0) { spec in
                spec.volumes.compactMap { volume in
                    guard let source = volume.sources.first(where: { $0.value == "hostPath" }) else { return nil }
                    return PodSecurityViolation(source, "volume \"\(volume.name)\" must not use hostPath")
                }
            },
        ])
}
