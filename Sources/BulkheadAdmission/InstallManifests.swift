/// `bulkhead admit manifests`: everything to run the webhook in a cluster, hardened so that
/// `bulkhead scan` reports nothing on it.
public struct InstallManifests: Sendable {
    public enum FailurePolicy: String, Sendable, CaseIterable {
        /// The API server rejects requests it cannot get a verdict for: safest, but an unavailable
        /// webhook blocks deployments (kube-system and Bulkhead's namespace are never sent to it).
        case fail = "Fail"
        /// The API server admits requests when the webhook cannot answer: never blocks, never enforces then.
        case ignore = "Ignore"
    }

    public var namespace: String
    public var caBundle: String
    public var failurePolicy: FailurePolicy
    public var timeoutSeconds: Int
    public var image: String
    public var replicas: Int

    /// Printed when no image is given (only with `failurePolicy: Ignore`): it cannot be pulled, so
    /// the webhook never runs and, with Ignore, never blocks anything.
    public static let placeholderImage = "replace-with-the-bulkhead-image@sha256:" + String(repeating: "0", count: 64)

    /// Why `reference` cannot be the webhook's image (nil: it can): it must be pinned by digest.
    public static func imageProblem(_ reference: String) -> String? {
        let parts = reference.split(separator: "@", maxSplits: 1)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].hasPrefix("sha256:") else {
            return "--image must be pinned by digest (REGISTRY/REPOSITORY@sha256:DIGEST), not \(reference)"
        }
        let digest = parts[1].dropFirst("sha256:".count)
        guard digest.count == 64, digest.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
            return "--image: the digest must be 64 lowercase hexadecimal digits"
        }
        if reference == placeholderImage { return "--image: that is the placeholder, not an image" }
        return nil
    }

    /// Which objects to print: the server (deployed and ready first), the webhook registration
    /// (applied once the server answers), or both.
    public enum Part: String, Sendable, CaseIterable {
        case server
        case webhook
        case all
    }

    public init(namespace: String, caBundle: String, failurePolicy: FailurePolicy = .fail, timeoutSeconds: Int = 5,
                image: String, replicas: Int = 2) {
        self.namespace = namespace
        self.caBundle = caBundle
        self.failurePolicy = failurePolicy
        self.timeoutSeconds = timeoutSeconds
        self.image = image
        self.replicas = replicas
    }

    public var yaml: String { yaml(.all) }

    public func yaml(_ part: Part) -> String {
        var text = ""
        if image == Self.placeholderImage {
            text += """
                # ############################################################################################
                # NO IMAGE GIVEN: the Deployment below names a placeholder that cannot be pulled, so the
                # webhook never runs; failurePolicy is Ignore, so nothing is blocked (and nothing enforced).
                # Build Bulkhead's image (scripts/build-image) and print again with --image REPO@sha256:DIGEST.
                # ############################################################################################

                """
        }
        switch part {
        case .server: text += serverYAML
        case .webhook: text += webhookYAML
        case .all: text += serverYAML + "---\n" + webhookYAML
        }
        return text
    }

    var serverYAML: String {
        let labels = "app.kubernetes.io/name: bulkhead\n    app.kubernetes.io/component: admission-webhook"
        return """
        # Bulkhead admission webhook. Create the TLS secret first:
        #   bulkhead admit certs --namespace \(namespace) --out certs/
        #   kubectl -n \(namespace) create secret tls bulkhead-tls --cert certs/tls.crt --key certs/tls.key
        apiVersion: v1
        kind: Namespace
        metadata:
          name: \(namespace)
          labels:
            pod-security.kubernetes.io/enforce: restricted
            pod-security.kubernetes.io/enforce-version: latest
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: bulkhead
          namespace: \(namespace)
        automountServiceAccountToken: false
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: bulkhead-config
          namespace: \(namespace)
        data:
          bulkhead.yaml: |
            admission:
              # As Pod Security Admission: a namespace enforces what its pod-security.kubernetes.io
              # labels say. Without labels, restricted is only a warning; `enforce: restricted`
              # here would deny in every unlabelled namespace.
              podSecurity:
                warn: restricted
              checks:
                mode: warn
              exemptions:
                namespaces: [kube-system, \(namespace)]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: bulkhead
          namespace: \(namespace)
          labels:
            \(labels)
        spec:
          replicas: \(replicas)
          selector:
            matchLabels:
              app.kubernetes.io/name: bulkhead
          template:
            metadata:
              labels:
                \(labels.replacingOccurrences(of: "\n    ", with: "\n        "))
            spec:
              serviceAccountName: bulkhead
              automountServiceAccountToken: false
              securityContext:
                runAsNonRoot: true
                runAsUser: 65532
                runAsGroup: 65532
                seccompProfile:
                  type: RuntimeDefault
              affinity:
                podAntiAffinity:
                  preferredDuringSchedulingIgnoredDuringExecution:
                  - weight: 100
                    podAffinityTerm:
                      topologyKey: kubernetes.io/hostname
                      labelSelector:
                        matchLabels:
                          app.kubernetes.io/name: bulkhead
              containers:
              - name: bulkhead
                image: \(image)
                args: [admit, serve, --tls-cert, /tls/tls.crt, --tls-key, /tls/tls.key, --config, /config/bulkhead.yaml, --port, "8443"]
                ports:
                - name: https
                  containerPort: 8443
                securityContext:
                  allowPrivilegeEscalation: false
                  readOnlyRootFilesystem: true
                  capabilities:
                    drop: [ALL]
                resources:
                  requests: {cpu: 100m, memory: 64Mi}
                  limits: {cpu: "1", memory: 256Mi}
                livenessProbe:
                  httpGet: {path: /healthz, port: https, scheme: HTTPS}
                readinessProbe:
                  httpGet: {path: /readyz, port: https, scheme: HTTPS}
                volumeMounts:
                - {name: tls, mountPath: /tls, readOnly: true}
                - {name: config, mountPath: /config, readOnly: true}
              volumes:
              - name: tls
                secret: {secretName: bulkhead-tls}
              - name: config
                configMap: {name: bulkhead-config}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata:
          name: bulkhead
          namespace: \(namespace)
        spec:
          minAvailable: 1
          selector:
            matchLabels:
              app.kubernetes.io/name: bulkhead
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: bulkhead
          namespace: \(namespace)
        spec:
          type: ClusterIP
          selector:
            app.kubernetes.io/name: bulkhead
          ports:
          - {name: https, port: 443, targetPort: https}
        ---
        # Only the API server's calls on 8443 come in; nothing goes out.
        apiVersion: networking.k8s.io/v1
        kind: NetworkPolicy
        metadata:
          name: bulkhead
          namespace: \(namespace)
        spec:
          podSelector: {}
          policyTypes: [Ingress, Egress]
          ingress:
          - ports:
            - {port: 8443, protocol: TCP}

        """
    }

    /// The registration. Namespaced objects go to `validate.bulkhead.io` with the chosen failure
    /// policy, never from kube-system or Bulkhead's namespace; cluster-scoped RBAC objects (which no
    /// namespaceSelector can exempt, and which the control plane itself updates: ClusterRole
    /// aggregation) go to `validate-cluster.bulkhead.io`, whose failure policy is always Ignore, so a
    /// webhook outage never blocks the control plane.
    var webhookYAML: String {
        // Both entries call the same Service (continuation lines carry their own indentation).
        let clientConfig = """
            clientConfig:
              caBundle: \(caBundle)
              service:
                name: bulkhead
                namespace: \(namespace)
                path: /validate
                port: 443
            """.replacingOccurrences(of: "\n", with: "\n  ")
        return """
        # Apply once the server answers: kubectl -n \(namespace) rollout status deployment/bulkhead
        # Roll back (the API server stops calling Bulkhead at once): kubectl delete validatingwebhookconfiguration bulkhead
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingWebhookConfiguration
        metadata:
          name: bulkhead
        webhooks:
        - name: validate.bulkhead.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: \(failurePolicy.rawValue)
          timeoutSeconds: \(timeoutSeconds)
          \(clientConfig)
          # Never sent: kube-system and Bulkhead's own namespace, so the webhook cannot lock itself out.
          namespaceSelector:
            matchExpressions:
            - key: kubernetes.io/metadata.name
              operator: NotIn
              values: [kube-system, \(namespace)]
          rules:
          - apiGroups: [""]
            apiVersions: [v1]
            operations: [CREATE, UPDATE]
            resources: [pods, pods/ephemeralcontainers, replicationcontrollers, podtemplates, services, secrets, configmaps, serviceaccounts]
          - apiGroups: [apps]
            apiVersions: [v1]
            operations: [CREATE, UPDATE]
            resources: [deployments, replicasets, statefulsets, daemonsets]
          - apiGroups: [batch]
            apiVersions: [v1]
            operations: [CREATE, UPDATE]
            resources: [jobs, cronjobs]
          - apiGroups: [rbac.authorization.k8s.io]
            apiVersions: [v1]
            operations: [CREATE, UPDATE]
            resources: [roles, rolebindings]
            scope: Namespaced
        - name: validate-cluster.bulkhead.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Ignore
          timeoutSeconds: \(timeoutSeconds)
          \(clientConfig)
          rules:
          - apiGroups: [rbac.authorization.k8s.io]
            apiVersions: [v1]
            operations: [CREATE, UPDATE]
            resources: [clusterroles, clusterrolebindings]
            scope: Cluster

        """
    }
}
