import BulkheadAWS
import BulkheadChains
import BulkheadCore
import BulkheadImages
import BulkheadKubernetes

/// The composition root: every check family of this build, in one registry, with the controls
/// they evidence. Every front door (scan, checks, explain, matrix, controls, aws scan, admit)
/// takes its checks from here, so a family added here is listed, explained, run and rolled up
/// to the matrix everywhere at once. Families plug in as `CheckSuite`s; nothing else in the
/// engine names them.
public enum Catalogue {
    /// Every suite, in report order.
    public static let suites: [any CheckSuite] = KubernetesChecks.suites + [AWSChecks.suite, ChainSuite(), ImageSuite(), DockerfileSuite()]

    public static let registry = CheckRegistry(suites: suites)

    /// The checks `--only` picks; an unknown ID or category is an error with "did you mean".
    public static func checks(only selectors: [String]) throws(SelectionError) -> CheckRegistry {
        try registry.only(selectors)
    }

    /// The controls of the shared-responsibility catalogue.
    public static var controls: [Control] { ControlCatalog.all }

    /// Checks that name a control, directly or as its evidence.
    public static func checks(evidencing control: Control) -> [CheckDescriptor] {
        registry.descriptors.filter { $0.controls.contains(control.id) || control.evidenceChecks.contains($0.id) }
    }

    /// A check or control ID close to `name`, for "did you mean".
    public static func suggestions(for name: String) -> [String] {
        CheckRegistry.suggestions(for: name, among: registry.descriptors.map(\.id) + ControlCatalog.all.map(\.id))
    }
}
