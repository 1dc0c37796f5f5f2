import BulkheadCore

/// Every Kubernetes check of this build.
public enum KubernetesChecks {
    public static let podSecurity = PodSecuritySuite()

    public static let workloadChecks: [WorkloadCheck] =
        ServiceAccountChecks.workload + SecretChecks.workload + ImageChecks.workload + HygieneChecks.workload + NetworkChecks.workload

    public static let objectChecks: [ObjectCheck] =
        RBACChecks.object + NetworkChecks.object + ServiceAccountChecks.object + SecretChecks.object + HygieneChecks.object

    public static let inventoryChecks: [InventoryCheck] = NetworkChecks.inventory + ServiceAccountChecks.inventory

    public static let suite = KubernetesSuite()

    public static var suites: [any CheckSuite] { [suite] }

    public static var registry: CheckRegistry { CheckRegistry(suites: suites) }

    /// Only the checks whose ID or category matches one of `selectors` (a category matches by
    /// prefix: `pod-security` selects baseline and restricted); unknown selectors select nothing.
    public static func registry(only selectors: [String]) -> CheckRegistry {
        registry.selecting { $0.matches(selectors) }
    }
}
