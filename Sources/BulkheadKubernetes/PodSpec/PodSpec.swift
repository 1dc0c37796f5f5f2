import BulkheadCore

/// A value read from a manifest with where it was written.
public struct Located<Value: Sendable>: Sendable {
    public var value: Value
    public var mark: Mark
    /// The path of the field's parent, and the field's key below it; joined only when asked,
    /// since most fields read never appear in a finding.
    private var parentPath: String
    private var key: String

    /// Field path from the object's root.
    public var path: String {
        if key.isEmpty { return parentPath }
        return parentPath.isEmpty ? key : parentPath + "." + key
    }

    public init(value: Value, mark: Mark, path: String) {
        self.value = value
        self.mark = mark
        parentPath = path
        key = ""
    }

    /// The field `key` of the object at `parentPath`.
    public init(value: Value, mark: Mark, parentPath: String, key: String) {
        self.value = value
        self.mark = mark
        self.parentPath = parentPath
        self.key = key
    }
}

/// The parts of a pod spec that Pod Security and workload checks read, typed and positioned.
/// Built once per resource by `PodSpecReader`, like `corev1.PodSpec` is for the upstream checks.
public struct PodSpec: Sendable {
    /// Path of the pod spec in the object: `spec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`.
    public var path: String
    public var mark: Mark
    /// Annotations of the pod (template) metadata, where AppArmor and seccomp annotations live.
    public var annotations: [String: Located<String>]
    public var annotationsPath: String
    public var hostNetwork: Located<Bool>?
    public var hostPID: Located<Bool>?
    public var hostIPC: Located<Bool>?
    public var hostUsers: Located<Bool>?
    public var osName: Located<String>?
    public var serviceAccountName: Located<String>?
    public var automountServiceAccountToken: Located<Bool>?
    /// Present when `hostAliases` is set.
    public var hostAliases: Located<Bool>?
    public var securityContext: PodSecurityContext?
    public var volumes: [Volume]
    /// containers, initContainers and ephemeralContainers, in that order.
    public var containers: [Container]

    /// Pods that run Windows (`spec.os.name: windows`) are exempt from some restricted checks since v1.25.
    public var isWindows: Bool { osName?.value == "windows" }

    /// `hostUsers: false`: the pod runs in a user namespace.
    public var usesUserNamespace: Bool { hostUsers?.value == false }
}

public struct PodSecurityContext: Sendable {
    public var path: String
    public var mark: Mark
    public var runAsNonRoot: Located<Bool>?
    public var runAsUser: Located<Int>?
    public var seccompProfileType: Located<String>?
    public var seLinuxOptions: SELinuxOptions?
    public var sysctls: [Located<String>]
    public var windowsHostProcess: Located<Bool>?
    public var appArmorProfileType: Located<String>?
}

public struct SELinuxOptions: Sendable {
    public var path: String
    public var mark: Mark
    public var type: Located<String>?
    public var user: Located<String>?
    public var role: Located<String>?
}

public struct Container: Sendable {
    public enum Kind: String, Sendable {
        case container = "containers"
        case initContainer = "initContainers"
        case ephemeralContainer = "ephemeralContainers"
    }

    public var name: String
    public var kind: Kind
    public var path: String
    public var mark: Mark
    public var image: Located<String>?
    public var securityContext: SecurityContext?
    public var hostPorts: [Located<Int>]
    /// `host` of httpGet/tcpSocket in probes and lifecycle handlers.
    public var probeHosts: [Located<String>]
    public var env: [EnvVar] = []
    /// `envFrom[].secretRef.name`.
    public var envFromSecrets: [Located<String>] = []
    public var imagePullPolicy: Located<String>?
    /// `resources.requests.cpu` and so on, when set.
    public var requests: [String: Located<String>] = [:]
    public var limits: [String: Located<String>] = [:]
    public var resourcesMark: Mark?
    public var hasLivenessProbe = false
    public var hasReadinessProbe = false
}

public struct EnvVar: Sendable {
    public var name: Located<String>
    public var value: Located<String>?
    /// `valueFrom.secretKeyRef.name`.
    public var secretName: Located<String>?
}

public struct SecurityContext: Sendable {
    public var path: String
    public var mark: Mark
    public var privileged: Located<Bool>?
    public var allowPrivilegeEscalation: Located<Bool>?
    public var runAsNonRoot: Located<Bool>?
    public var runAsUser: Located<Int>?
    public var readOnlyRootFilesystem: Located<Bool>?
    public var capabilitiesAdd: [Located<String>]
    public var capabilitiesDrop: [Located<String>]
    public var seccompProfileType: Located<String>?
    public var seLinuxOptions: SELinuxOptions?
    public var procMount: Located<String>?
    public var windowsHostProcess: Located<Bool>?
    public var appArmorProfileType: Located<String>?
    /// Present when `ulimits` is set at all.
    public var ulimits: Located<Bool>?
    public var cgroupMountMode: Located<String>?
}

public struct Volume: Sendable {
    public var name: String
    public var path: String
    public var mark: Mark
    /// The volume source fields set (`hostPath`, `configMap`, ...), with their positions.
    public var sources: [Located<String>]
    /// `csi.driver` and, for the Secrets Store CSI driver, `csi.volumeAttributes.secretProviderClass`.
    public var csiDriver: String?
    public var secretProviderClass: Located<String>?
}
