import BulkheadCore

/// Every Kubernetes check suite of this build.
public enum KubernetesChecks {
    public static let podSecurity = PodSecuritySuite()

    public static var suites: [any CheckSuite] { [podSecurity] }

    public static var registry: CheckRegistry { CheckRegistry(suites: suites) }
}
