/// Builds the small Pod manifests the checks' examples are written in.
enum ExamplePod {
    /// A Pod named `example` whose `spec` is `spec` (YAML, indented by two spaces in the result).
    static func pod(_ spec: String, metadata: String = "") -> String {
        let indentedSpec = spec.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
        let extra = metadata.isEmpty ? "" : "\n" + metadata.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n")
        return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: example\(extra)\nspec:\n\(indentedSpec)\n"
    }

    /// A fully restricted container, to which a check's example adds the one setting under test.
    static let hardenedContainer = """
        - name: app
          image: registry.example/app:1.0
          securityContext:
            allowPrivilegeEscalation: false
            runAsNonRoot: true
            capabilities: {drop: [ALL]}
            seccompProfile: {type: RuntimeDefault}
        """
}
