import BulkheadCore

/// Every AWS check of this build.
public enum AWSChecks {
    public static let checks: [AWSCheck] =
        EKSChecks.all + NodeChecks.all + NetworkChecks.all + IAMChecks.all + DataChecks.all + MonitoringChecks.all + AccountChecks.all

    /// The file formats the AWS domain reads (the live account comes in as `LiveAccountScan`, a source).
    public static let formats: [any InputFormat] = [CloudFormationFormat(), TerraformPlanFormat(), TerraformFormat()]

    public static let suite = AWSSuite(checks: checks)

    public static var registry: CheckRegistry { CheckRegistry(suites: [suite]) }

    /// Only the checks an `--only` selector picks (by ID or category prefix, e.g. `aws/eks`).
    public static func registry(only selectors: [String]) -> CheckRegistry {
        registry.selecting { $0.matches(selectors) }
    }
}
