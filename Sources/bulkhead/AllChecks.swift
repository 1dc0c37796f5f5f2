import BulkheadAWS
import BulkheadCore
import BulkheadKubernetes

/// Every check the command line runs: Kubernetes and AWS.
enum AllChecks {
    static var registry: CheckRegistry { CheckRegistry(suites: KubernetesChecks.suites + [AWSChecks.suite]) }

    static func registry(only selectors: [String]) -> CheckRegistry {
        guard !selectors.isEmpty else { return registry }
        return CheckRegistry(suites: KubernetesChecks.registry(only: selectors).suites + AWSChecks.registry(only: selectors).suites)
    }
}
