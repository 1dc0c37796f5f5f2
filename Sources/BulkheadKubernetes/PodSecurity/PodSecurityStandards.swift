import BulkheadCore

/// The Pod Security Standards as upstream pod-security-admission implements them
/// (`k8s.io/pod-security-admission/policy/check_*.go`): one file per check under `Checks/`.
public enum PodSecurityStandards {
    public static let all: [PodSecurityCheck] = [
        // baseline
        hostNamespaces, privileged, capabilitiesBaseline, hostPathVolumes, hostPorts, appArmorProfile, seLinuxOptions,
        procMount, seccompProfileBaseline, sysctls, windowsHostProcess, hostProbesAndHostLifecycle, baselineVolumes, ulimits,
        // restricted
        restrictedVolumes, allowPrivilegeEscalation, runAsNonRoot, runAsUser, seccompProfileRestricted, capabilitiesRestricted,
        procMountRestricted, cgroupOptionsRestricted,
    ]
}
