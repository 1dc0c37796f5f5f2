import BulkheadCore

/// Lower-severity workload hygiene: read-only root file systems, resources, probes, hostAliases,
/// and Services exposed without source restrictions.
enum HygieneChecks {
    static func pod(_ container: String, spec: String = "") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: shop}\nspec:\n\(spec)  containers:\n  - name: c\n    image: \"registry.example/app:1.0\"\n\(container)"
    }

    /// Containers and init containers (ephemeral debug containers are not held to these).
    static func regular(_ view: WorkloadView) -> [Container] {
        view.spec.containers.filter { $0.kind != .ephemeralContainer }
    }

    static func anchor(_ container: Container) -> Mark { container.securityContext?.mark ?? container.mark }

    static let readOnlyRoot = WorkloadCheck(CheckDescriptor(
        id: "readOnlyRootFilesystem", title: "Writable root file system", severity: .low, category: "hygiene",
        description: "A writable root file system lets an intruder drop tools and persist changes in the container; a read-only one forces writes into declared volumes.",
        remediation: "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the application writes.",
        controls: [ControlCatalog.containerConfiguration], frameworks: [FrameworkReference(.nist800190, "5.4.3")],
        examples: [
            CheckExample(.violation, pod(""), at: ["spec.containers[0].securityContext.readOnlyRootFilesystem"]),
            CheckExample(.compliant, pod("    securityContext: {readOnlyRootFilesystem: true}\n")),
        ])) { view, _, _ in
        regular(view).compactMap { container in
            container.securityContext?.readOnlyRootFilesystem?.value == true ? nil
                : FieldViolation(mark: container.securityContext?.readOnlyRootFilesystem?.mark ?? anchor(container),
                                 path: "\(container.path).securityContext.readOnlyRootFilesystem",
                                 message: "\(PodSecurityText.container(container)) does not set securityContext.readOnlyRootFilesystem=true")
        }
    }

    static func resourceCheck(id: String, title: String, section: String) -> WorkloadCheck {
        WorkloadCheck(CheckDescriptor(
            id: id, title: title, severity: .low, category: "hygiene",
            description: section == "requests"
                ? "Without CPU and memory requests the scheduler packs pods blindly and they are the first evicted under pressure."
                : "Without CPU and memory limits one container can starve its neighbours on the node (a denial of service).",
            remediation: "Set resources.\(section).cpu and resources.\(section).memory on every container.",
            controls: [ControlCatalog.containerConfiguration], frameworks: [FrameworkReference(.nist800190, "5.4.3")],
            examples: [
                CheckExample(.violation, pod("    resources:\n      \(section): {memory: 128Mi}\n"), at: ["spec.containers[0].resources.\(section).cpu"]),
                CheckExample(.compliant, pod("    resources:\n      \(section): {cpu: 100m, memory: 128Mi}\n")),
            ])) { view, _, _ in
            regular(view).flatMap { container -> [FieldViolation] in
                let set = section == "requests" ? container.requests : container.limits
                return ["cpu", "memory"].filter { set[$0] == nil }.map { resource in
                    FieldViolation(mark: container.resourcesMark ?? container.mark, path: "\(container.path).resources.\(section).\(resource)",
                                   message: "\(PodSecurityText.container(container)) sets no \(resource) \(section == "requests" ? "request" : "limit")")
                }
            }
        }
    }

    static let batchKinds: Set<String> = ["Job", "CronJob"]

    static let probes = WorkloadCheck(CheckDescriptor(
        id: "probesMissing", title: "Liveness or readiness probe missing", severity: .low, category: "hygiene",
        description: "Without a readiness probe traffic reaches pods that cannot serve; without a liveness probe a hung process is never restarted.",
        remediation: "Add livenessProbe and readinessProbe to long-running containers.",
        controls: [ControlCatalog.containerConfiguration],
        examples: [
            CheckExample(.violation, pod("    readinessProbe: {httpGet: {path: /ready, port: 8080}}\n"), at: ["spec.containers[0].livenessProbe"]),
            CheckExample(.compliant, pod("    readinessProbe: {httpGet: {path: /ready, port: 8080}}\n    livenessProbe: {httpGet: {path: /healthz, port: 8080}}\n")),
            CheckExample(.compliant, "apiVersion: batch/v1\nkind: Job\nmetadata: {name: migrate}\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers: [{name: c, image: \"registry.example/migrate:1.0\"}]\n",
                         note: "batch workloads run to completion: no probes expected"),
        ])) { view, _, _ in
        guard !batchKinds.contains(view.resource.kind) else { return [] }
        return view.spec.containers.filter { $0.kind == .container }.flatMap { container -> [FieldViolation] in
            var missing: [FieldViolation] = []
            if !container.hasLivenessProbe {
                missing.append(FieldViolation(mark: container.mark, path: "\(container.path).livenessProbe",
                                              message: "\(PodSecurityText.container(container)) has no livenessProbe"))
            }
            if !container.hasReadinessProbe {
                missing.append(FieldViolation(mark: container.mark, path: "\(container.path).readinessProbe",
                                              message: "\(PodSecurityText.container(container)) has no readinessProbe"))
            }
            return missing
        }
    }

    static let hostAliases = WorkloadCheck(CheckDescriptor(
        id: "hostAliases", title: "hostAliases overrides name resolution", severity: .low, category: "hygiene",
        description: "hostAliases writes /etc/hosts entries into the pod, bypassing cluster DNS: a way to redirect traffic that reviews and DNS policies do not see.",
        remediation: "Use a Service (or an ExternalName Service) and DNS instead of hostAliases.",
        controls: [ControlCatalog.containerConfiguration],
        examples: [
            CheckExample(.violation, pod("", spec: "  hostAliases:\n  - {ip: 10.0.0.5, hostnames: [api.internal]}\n"), at: ["spec.hostAliases"]),
            CheckExample(.compliant, pod("")),
        ])) { view, _, _ in
        view.spec.hostAliases.map { [FieldViolation($0, "\(view.resource.ref) sets hostAliases")] } ?? []
    }

    static let internalAnnotations = [
        "service.beta.kubernetes.io/aws-load-balancer-internal", "service.beta.kubernetes.io/aws-load-balancer-scheme",
    ]

    static let exposedService = ObjectCheck(CheckDescriptor(
        id: "serviceExposedWithoutSourceRanges", title: "Service exposed without source restrictions", severity: .low, category: "hygiene",
        description: "A LoadBalancer Service without loadBalancerSourceRanges (and not internal) is open to the internet; a NodePort opens the port on every node's address.",
        remediation: "Set spec.loadBalancerSourceRanges (or the aws-load-balancer-scheme: internal annotation); prefer an Ingress or an internal load balancer to NodePort.",
        controls: [ControlCatalog.networkPolicies],
        examples: [
            CheckExample(.violation, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n  ports: [{port: 443}]\n", at: ["spec.type"]),
            CheckExample(.violation, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  ports: [{port: 443, nodePort: 30443}]\n", at: ["spec.type"]),
            CheckExample(.compliant, "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: LoadBalancer\n  loadBalancerSourceRanges: [203.0.113.0/24]\n  ports: [{port: 443}]\n"),
            CheckExample(.compliant, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: shop\n  annotations: {service.beta.kubernetes.io/aws-load-balancer-scheme: internal}\nspec:\n  type: LoadBalancer\n  ports: [{port: 443}]\n"),
        ]), kinds: ["Service"]) { _, resource, _, _ in
        guard resource.group.isEmpty, let type = resource.node["spec"]?["type"] else { return [] }
        switch type.string {
        case "LoadBalancer":
            let ranges = resource.node["spec"]?["loadBalancerSourceRanges"]?.items ?? []
            let restricted = !ranges.isEmpty && !ranges.contains { $0.string == "0.0.0.0/0" || $0.string == "::/0" }
            let scheme = resource.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"]
            let isInternal = resource.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"] == "true" || scheme == "internal"
            let annotatedRanges = resource.annotations["service.beta.kubernetes.io/load-balancer-source-ranges"] != nil
            guard !restricted && !isInternal && !annotatedRanges else { return [] }
            return [FieldViolation(mark: type.mark, path: "spec.type", message: "Service \(resource.name) is an internet-facing LoadBalancer without loadBalancerSourceRanges")]
        case "NodePort":
            return [FieldViolation(mark: type.mark, path: "spec.type", message: "Service \(resource.name) opens a NodePort on every node")]
        default:
            return []
        }
    }

    static let workload: [WorkloadCheck] = [
        readOnlyRoot, resourceCheck(id: "resourceRequests", title: "CPU or memory requests missing", section: "requests"),
        resourceCheck(id: "resourceLimits", title: "CPU or memory limits missing", section: "limits"), probes, hostAliases,
    ]
    static let object: [ObjectCheck] = [exposedService]
}
