import BulkheadCore

// Baseline (v1.31+): the in-tree gitRepo volume runs git on the node as root and is forbidden.
// Restricted fields: spec.volumes[*].gitRepo. Allowed values: undefined/nil.
//
// Restricted: in addition to restricting HostPath volumes, the restricted policy limits usage of
// non-core volume types to those defined through PersistentVolumes.
// Restricted fields: spec.volumes[*]. Allowed values: every spec.volumes[*] must set one of
// configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret.
extension PodSecurityStandards {
    static let baselineVolumes = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "baselineVolumes", title: "gitRepo volumes", severity: .high, category: "pod-security/baseline",
            description: "The deprecated gitRepo volume clones a repository with the node's git as root (CVE-2024-10220 and earlier hook-execution escapes).",
            remediation: "Clone in an init container into an emptyDir volume instead of using gitRepo.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.baseline, PodSecurityReferences.nistHostFilesystem],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: site\n  gitRepo: {repository: \"https://git.example/site.git\"}"),
                             options: ScanOptions(podSecurityLevel: "baseline"), at: ["spec.volumes[0].gitRepo"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: site\n  gitRepo: {repository: \"https://git.example/site.git\"}"),
                             options: ScanOptions(podSecurityLevel: "baseline", podSecurityVersion: "v1.30"), note: "the check starts at v1.31"),
            ]),
        level: .baseline,
        implementations: [
            .init(since: 31) { spec in
                spec.volumes.compactMap { volume in
                    guard let source = volume.sources.first(where: { $0.value == "gitRepo" }) else { return nil }
                    return PodSecurityViolation(source, "volume \"\(volume.name)\" must not use gitRepo")
                }
            },
        ])

    static let restrictedVolumeSources: Set<String> = [
        "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret",
    ]

    static let restrictedVolumes = PodSecurityCheck(
        descriptor: CheckDescriptor(
            id: "restrictedVolumes", title: "Volume types outside the restricted set", severity: .medium, category: "pod-security/restricted",
            description: "Restricted pods only use ConfigMap, Secret, downward API, projected, emptyDir, ephemeral, CSI and PersistentVolumeClaim volumes; in-tree network and host volumes bypass the storage admins' controls.",
            remediation: "Use a PersistentVolumeClaim (for NFS, EBS, ...) or one of the allowed volume types instead of the inline volume source.",
            controls: [ControlCatalog.podSecurity],
            frameworks: [PodSecurityReferences.restricted, PodSecurityReferences.nistHostFilesystem],
            helpURI: PodSecurityReferences.standard,
            examples: [
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: data\n  nfs: {server: nfs.example, path: /exports}"), at: ["spec.volumes[0].nfs"]),
                CheckExample(.violation, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: host\n  hostPath: {path: /etc}"), at: ["spec.volumes[0].hostPath"]),
                CheckExample(.compliant, ExamplePod.pod("containers:\n- name: app\n  image: nginx:1.27\nvolumes:\n- name: data\n  persistentVolumeClaim: {claimName: data}\n- name: config\n  configMap: {name: app}")),
            ]),
        level: .restricted,
        implementations: [
            .init(since: 0, overrides: ["hostPathVolumes", "baselineVolumes"]) { spec in
                spec.volumes.compactMap { volume in
                    let disallowed = volume.sources.filter { !restrictedVolumeSources.contains($0.value) }
                    if let first = disallowed.first {
                        // It overrides hostPathVolumes: a host path stays as severe as at the baseline level.
                        return PodSecurityViolation(first, "volume \"\(volume.name)\" uses restricted volume type \"\(first.value)\"",
                                                    severity: first.value == "hostPath" ? PodSecurityStandards.hostPathVolumes.descriptor.severity : nil)
                    }
                    if volume.sources.isEmpty {
                        return PodSecurityViolation(mark: volume.mark, path: volume.path,
                                                    message: "volume \"\(volume.name)\" uses restricted volume type \"unknown\" (no volume source set)")
                    }
                    return nil
                }
            },
        ])
}
