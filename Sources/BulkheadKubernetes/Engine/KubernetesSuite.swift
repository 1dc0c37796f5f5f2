import BulkheadCore

/// Every Kubernetes check, run over one scan: each pod spec is read once (and type-checked), the
/// RBAC graph, network map and service-account index are built once, then the Pod Security
/// Standards, the workload checks, the object checks and the whole-input checks run on them.
public struct KubernetesSuite: CheckSuite {
    public let podSecurity: PodSecuritySuite
    public let workloadChecks: [WorkloadCheck]
    public let objectChecks: [ObjectCheck]
    public let inventoryChecks: [InventoryCheck]

    public init(podSecurity: PodSecuritySuite = PodSecuritySuite(), workloadChecks: [WorkloadCheck] = KubernetesChecks.workloadChecks,
                objectChecks: [ObjectCheck] = KubernetesChecks.objectChecks, inventoryChecks: [InventoryCheck] = KubernetesChecks.inventoryChecks) {
        self.podSecurity = podSecurity
        self.workloadChecks = workloadChecks
        self.objectChecks = objectChecks
        self.inventoryChecks = inventoryChecks
    }

    public var descriptors: [CheckDescriptor] {
        podSecurity.descriptors + workloadChecks.map(\.descriptor) + objectChecks.map(\.descriptor) + inventoryChecks.map(\.descriptor)
    }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        KubernetesSuite(
            podSecurity: PodSecuritySuite(checks: podSecurity.checks.filter { keep($0.descriptor) }),
            workloadChecks: workloadChecks.filter { keep($0.descriptor) },
            objectChecks: objectChecks.filter { keep($0.descriptor) },
            inventoryChecks: inventoryChecks.filter { keep($0.descriptor) })
    }

    /// Kinds each category of check examines: a check has judged the input when it holds one.
    static let examinedKinds: [String: Set<String>] = {
        let workloads = Set(WorkloadKinds.podCarryingKinds)
        return [
            "pod-security": workloads,
            "rbac": ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"],
            "network": workloads.union(NetworkPolicyModel.kinds).union(["Namespace"]),
            "identity": workloads.union(["ServiceAccount"]),
            "secrets": workloads.union(["Secret", "ConfigMap", "SecretProviderClass"]),
            "images": workloads,
            "hygiene": workloads.union(["Service"]),
        ]
    }()

    public func examines(_ descriptor: CheckDescriptor) -> Set<String> {
        let key = descriptor.category.split(separator: "/").first.map(String.init) ?? descriptor.category
        return descriptor.examines.union(Self.examinedKinds[key] ?? [])
    }

    /// Kinds the object and inventory checks look at (counted as "checked" even without findings).
    static let judgedKinds: Set<String> = Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "ServiceAccount", "Secret",
                                           "ConfigMap", "Service", "SecretProviderClass", "Namespace"]).union(NetworkPolicyModel.kinds)

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        let inventory = context.inventory
        let views = KubernetesViews.of(context)
        var outcome = SuiteOutcome(diagnostics: views.diagnostics, checked: Set(views.candidates))
        let workloads = views.index.workloads
        let index = views.index
        let options = context.options

        let perWorkload = ConcurrentMap.map(workloads, minimumChunk: 64) { view -> SuiteOutcome in
            var result = podSecurity.evaluate(view, in: context)
            for check in workloadChecks {
                for violation in check.evaluate(view, index, options) {
                    result.record(violation, of: check.descriptor, on: view.resource)
                }
            }
            return result
        }
        for result in perWorkload { outcome.merge(result) }

        var byKind: [String: [ObjectCheck]] = [:]
        for check in objectChecks {
            for kind in check.kinds { byKind[kind, default: []].append(check) }
        }
        // In a fixed order: a dictionary's order changes from one run to the next.
        for (kind, checks) in byKind.sorted(by: { $0.key < $1.key }) {
            for position in inventory.byKind[kind] ?? [] {
                let resource = inventory.resources[position]
                for check in checks {
                    for violation in check.evaluate(position, resource, index, options) {
                        outcome.record(violation, of: check.descriptor, on: resource)
                    }
                }
            }
        }
        for check in inventoryChecks {
            for found in check.evaluate(index, options) {
                outcome.record(found.violation, of: check.descriptor, on: inventory.resources[found.resource])
            }
        }
        for kind in Self.judgedKinds {
            outcome.checked.formUnion(inventory.byKind[kind] ?? [])
        }
        return outcome
    }
}

/// Every pod spec of a scan read once (with the problems found in them) and the index built on
/// them: shared by the Kubernetes checks and the chains across domains (`ScanContext.views`).
public struct KubernetesViews: Sendable {
    public var index: KubernetesIndex
    public var diagnostics: [Diagnostic]
    /// Inventory positions of the objects that carry a pod.
    public var candidates: [Int]

    public static func of(_ context: ScanContext) -> KubernetesViews {
        context.views.view(KubernetesViews.self) { build(context.inventory) }
    }

    static func build(_ inventory: Inventory) -> KubernetesViews {
        let candidates = inventory.resources.indices.filter { WorkloadKinds.template(for: inventory.resources[$0]) != nil }
        let read = ConcurrentMap.map(candidates, minimumChunk: 64) { index -> (WorkloadView?, [Diagnostic]) in
            let resource = inventory.resources[index]
            let (spec, diagnostics) = PodSpecReader.read(resource)
            guard let spec else { return (nil, diagnostics) }
            return (WorkloadView(index: index, resource: resource, spec: spec), diagnostics)
        }
        var workloads: [WorkloadView] = []
        var diagnostics: [Diagnostic] = []
        for (view, problems) in read {
            diagnostics += problems
            if let view { workloads.append(view) }
        }
        return KubernetesViews(index: KubernetesIndex(inventory: inventory, workloads: workloads), diagnostics: diagnostics, candidates: candidates)
    }
}
