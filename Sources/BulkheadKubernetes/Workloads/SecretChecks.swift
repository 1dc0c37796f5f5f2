import BulkheadCore
import Foundation

/// Secrets: credentials committed in manifests, secrets exposed as environment variables, and the
/// Secrets Store CSI chain (SecretProviderClass ↔ pod mount). Values are never printed.
enum SecretChecks {
    static let csiDriver = "secrets-store.csi.k8s.io"
    static let uri = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/integrating_csi_driver.html"

    static func pod(_ containers: String, volumes: String = "") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\n  namespace: shop\nspec:\n  serviceAccountName: app\n  containers:\n\(containers)\n\(volumes)"
    }

    static func spc(_ name: String) -> String {
        "apiVersion: secrets-store.csi.x-k8s.io/v1\nkind: SecretProviderClass\nmetadata:\n  name: \(name)\n  namespace: shop\nspec:\n  provider: aws\n  parameters:\n    objects: |\n      - objectName: \"prod/db\"\n        objectType: secretsmanager\n"
    }

    static func csiVolume(_ spc: String) -> String {
        "  volumes:\n  - name: secrets\n    csi:\n      driver: secrets-store.csi.k8s.io\n      readOnly: true\n      volumeAttributes: {secretProviderClass: \(spc)}\n"
    }

    static func notLive(_ match: CredentialDetector.Match) -> String {
        match.kind == "placeholder" ? "a placeholder (the real value would be committed here)" : "the \(match.kind) (not a live credential)"
    }

    static let committedSecret = ObjectCheck(CheckDescriptor(
        id: "secretInManifest", title: "Secret values committed in a manifest", severity: .high, category: "secrets",
        description: "A Secret manifest with data is a credential in source control and in every copy of the repository; base64 is an encoding, not encryption.",
        remediation: "Keep the value in AWS Secrets Manager and mount it with the Secrets Store CSI driver (or External Secrets); commit only the reference.",
        controls: [ControlCatalog.secrets], frameworks: [FrameworkReference(.cisEKS, "4.4.2")], helpURI: uri,
        examples: [
            CheckExample(.violation, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ntype: Opaque\ndata:\n  password: c3VwZXJzZWNyZXQxMjM=\n", at: ["data.password"]),
            CheckExample(.violation, "apiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\nstringData:\n  token: abc123def456\n", at: ["stringData.token"]),
            CheckExample(.compliant, "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\ntype: Opaque\n"),
        ]), kinds: ["Secret"]) { _, resource, _, _ in
        guard resource.group.isEmpty else { return [] }
        let type = resource.node["type"]?.string ?? "Opaque"
        if type == "kubernetes.io/service-account-token" { return [] }
        var violations: [FieldViolation] = []
        for key in ["data", "stringData"] {
            for pair in resource.node[key]?.pairs ?? [] {
                guard let value = pair.value.string, !value.isEmpty else { continue }
                violations.append(FieldViolation(mark: pair.keyMark, path: "\(key).\(pair.key)",
                                                 message: "Secret \(resource.name) commits a value for key \"\(pair.key)\" (\(CredentialDetector.mask(value)))"))
            }
        }
        return violations
    }

    static let secretEnv = WorkloadCheck(CheckDescriptor(
        id: "secretAsEnvironment", title: "Secret exposed as an environment variable", severity: .low, category: "secrets",
        description: "Environment variables end up in crash dumps, `/proc/<pid>/environ`, child processes and logs; a mounted file does not, and is refreshed on rotation.",
        remediation: "Mount the secret as a volume (or through the Secrets Store CSI driver) and read it from the file.",
        controls: [ControlCatalog.secrets], frameworks: [FrameworkReference(.cisEKS, "4.4.1")], helpURI: uri,
        examples: [
            CheckExample(.violation, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    env:\n    - name: DB_PASSWORD\n      valueFrom: {secretKeyRef: {name: db, key: password}}"), at: ["spec.containers[0].env[0].valueFrom.secretKeyRef.name"]),
            CheckExample(.violation, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    envFrom:\n    - secretRef: {name: db}"), at: ["spec.containers[0].envFrom[0].secretRef.name"]),
            CheckExample(.compliant, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    volumeMounts: [{name: db, mountPath: /secrets}]", volumes: "  volumes:\n  - name: db\n    secret: {secretName: db}\n")),
        ])) { view, _, _ in
        view.spec.containers.flatMap { container -> [FieldViolation] in
            container.env.compactMap { variable in
                variable.secretName.map {
                    FieldViolation($0, "\(PodSecurityText.container(container)) reads secret \"\($0.value)\" into environment variable \(variable.name.value)")
                }
            } + container.envFromSecrets.map {
                FieldViolation($0, "\(PodSecurityText.container(container)) loads every key of secret \"\($0.value)\" into its environment")
            }
        }
    }

    static let credentialInEnv = WorkloadCheck(CheckDescriptor(
        id: "credentialInEnvironment", title: "Credential written in an environment variable", severity: .critical, category: "secrets",
        description: "A literal env value that is an access key, a private key or a token is a credential in the manifest, in the API server and in every pod description.",
        remediation: "Rotate the credential now; then deliver it through Secrets Manager and the Secrets Store CSI driver, or better, replace it with IRSA.",
        controls: [ControlCatalog.secrets, ControlCatalog.identity], helpURI: uri,
        examples: [
            CheckExample(.violation, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    env:\n    - {name: AWS_ACCESS_KEY_ID, value: AKIAZ3MSJV4KLTVN7Q2P}"), at: ["spec.containers[0].env[0].value"]),
            CheckExample(.violation, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    env:\n    - {name: API_TOKEN, value: \"9f8Kq2LxT7vB4mNz1Rw6\"}"), at: ["spec.containers[0].env[0].value"]),
            CheckExample(.violation, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    env:\n    - {name: AWS_ACCESS_KEY_ID, value: AKIAIOSFODNN7EXAMPLE}"),
                         note: "the AWS documentation example key is recognised and reported at low severity", at: ["spec.containers[0].env[0].value"]),
            CheckExample(.compliant, pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    env:\n    - {name: LOG_LEVEL, value: debug}\n    - {name: PASSWORD_FILE, value: /secrets/password}")),
        ])) { view, _, _ in
        view.spec.containers.flatMap { container in
            container.env.compactMap { variable -> FieldViolation? in
                guard let value = variable.value, let match = CredentialDetector.inspect(name: variable.name.value, value: value.value) else { return nil }
                let detail = match.isDocumentationExample ? Self.notLive(match) : "a \(match.kind)"
                return FieldViolation(value, "\(PodSecurityText.container(container)) sets \(variable.name.value) to \(detail) (\(CredentialDetector.mask(value.value)))",
                                      severity: match.isDocumentationExample ? .low : nil)
            }
        }
    }

    static let credentialInConfigMap = ObjectCheck(CheckDescriptor(
        id: "credentialInConfigMap", title: "Credential in a ConfigMap", severity: .high, category: "secrets",
        description: "ConfigMaps are readable by anyone with view access and are not encrypted with the Secrets KMS key: a credential there is exposed.",
        remediation: "Move the value to Secrets Manager (mounted with the Secrets Store CSI driver) or at least to a Secret; rotate it.",
        controls: [ControlCatalog.secrets], helpURI: uri,
        examples: [
            CheckExample(.violation, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\ndata:\n  db_password: \"Xk9#mP2$vL7qR4w\"\n", at: ["data.db_password"]),
            CheckExample(.violation, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\ndata:\n  key.pem: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEowIBAAKCAQEA\n    -----END RSA PRIVATE KEY-----\n", at: ["data.key.pem"]),
            CheckExample(.compliant, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app, namespace: shop}\ndata:\n  log_level: info\n  password_file: /secrets/db\n"),
        ]), kinds: ["ConfigMap"]) { _, resource, _, _ in
        (resource.node["data"]?.pairs ?? []).compactMap { pair in
            guard let value = pair.value.string, let match = CredentialDetector.inspect(name: pair.key, value: value) else { return nil }
            let detail = match.isDocumentationExample ? Self.notLive(match) : "a \(match.kind)"
            return FieldViolation(mark: pair.value.mark, path: "data.\(pair.key)",
                                  message: "ConfigMap \(resource.name) key \"\(pair.key)\" holds \(detail) (\(CredentialDetector.mask(value)))",
                                  severity: match.isDocumentationExample ? .low : nil)
        }
    }

    static let unusedProviderClass = ObjectCheck(CheckDescriptor(
        id: "secretProviderClassUnused", title: "SecretProviderClass mounted by no pod", severity: .low, category: "secrets",
        description: "A SecretProviderClass no workload mounts is a broken link of the secrets chain: the workload it was meant for reads its secret some other way, or not at all.",
        remediation: "Mount it in the intended workload (a csi volume with driver secrets-store.csi.k8s.io and volumeAttributes.secretProviderClass), or remove it.",
        controls: [ControlCatalog.secrets], helpURI: uri, scope: .cluster,
        examples: [
            CheckExample(.violation, spc("db") + "---\n" + pod("  - name: c\n    image: \"registry.example/app:1.0\""), at: ["metadata.name"]),
            CheckExample(.compliant, spc("db") + "---\n" + pod("  - name: c\n    image: \"registry.example/app:1.0\"\n    volumeMounts: [{name: secrets, mountPath: /mnt/secrets, readOnly: true}]", volumes: csiVolume("db"))),
        ]), kinds: ["SecretProviderClass"]) { _, resource, index, _ in
        let namespace = resource.namespace ?? "default"
        guard index.workloadNamespaces.contains(namespace) else { return [] }
        let used = index.workloads(in: namespace).contains { view in
            view.spec.volumes.contains { $0.secretProviderClass?.value == resource.name }
        }
        return used ? [] : [FieldViolation(mark: resource.node["metadata"]?["name"]?.mark ?? resource.node.mark, path: "metadata.name",
                                           message: "SecretProviderClass \(namespace)/\(resource.name) is mounted by no workload of the input")]
    }

    static let missingProviderClass = WorkloadCheck(CheckDescriptor(
        id: "secretProviderClassMissing", title: "Pod mounts a SecretProviderClass that does not exist", severity: .medium, category: "secrets",
        description: "The pod's CSI volume names a SecretProviderClass the input does not define: the pod will not start (the mount fails) unless it exists in the cluster.",
        remediation: "Define the SecretProviderClass in the same namespace, or fix the name in volumeAttributes.secretProviderClass.",
        controls: [ControlCatalog.secrets], helpURI: uri, scope: .cluster,
        examples: [
            CheckExample(.violation, spc("db") + "---\n" + pod("  - name: c\n    image: \"registry.example/app:1.0\"", volumes: csiVolume("dbb")), at: ["spec.volumes[0].csi.volumeAttributes.secretProviderClass"]),
            CheckExample(.compliant, spc("db") + "---\n" + pod("  - name: c\n    image: \"registry.example/app:1.0\"", volumes: csiVolume("db"))),
        ])) { view, index, _ in
        // Only judged when the input defines SecretProviderClasses at all (otherwise it is a partial set).
        guard !(index.inventory.byKind["SecretProviderClass"] ?? []).isEmpty else { return [] }
        return view.spec.volumes.compactMap { volume in
            guard volume.csiDriver == csiDriver, let name = volume.secretProviderClass,
                  index.inventory.find(kind: "SecretProviderClass", namespace: view.namespace, name: name.value) == nil else { return nil }
            return FieldViolation(name, "volume \"\(volume.name)\" mounts SecretProviderClass \"\(name.value)\", which is not defined in namespace \(view.namespace)")
        }
    }

    static let workload: [WorkloadCheck] = [secretEnv, credentialInEnv, missingProviderClass]
    static let object: [ObjectCheck] = [committedSecret, credentialInConfigMap, unusedProviderClass]
}
