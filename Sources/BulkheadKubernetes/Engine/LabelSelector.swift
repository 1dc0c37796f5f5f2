import BulkheadCore

/// A Kubernetes label selector (`matchLabels` and `matchExpressions`), as NetworkPolicies,
/// Cilium policies and ClusterRole aggregation use it.
public struct LabelSelector: Sendable, Hashable {
    public struct Requirement: Sendable, Hashable {
        public var key: String
        public var op: String
        public var values: [String]
    }

    public var matchLabels: [String: String]
    public var expressions: [Requirement]

    public static let everything = LabelSelector(matchLabels: [:], expressions: [])

    public var isEmpty: Bool { matchLabels.isEmpty && expressions.isEmpty }

    public init(matchLabels: [String: String], expressions: [Requirement]) {
        self.matchLabels = matchLabels
        self.expressions = expressions
    }

    /// Reads a selector node; nil when absent or not a mapping.
    public init?(_ node: YAMLNode?) {
        guard let node, node.isMapping else { return nil }
        var labels: [String: String] = [:]
        for pair in node["matchLabels"]?.pairs ?? [] {
            if let value = pair.value.scalar { labels[pair.key] = value.value }
        }
        var expressions: [Requirement] = []
        for item in node["matchExpressions"]?.items ?? [] {
            guard let key = item["key"]?.string, let op = item["operator"]?.string else { continue }
            expressions.append(Requirement(key: key, op: op, values: item["values"]?.items?.compactMap(\.string) ?? []))
        }
        self.init(matchLabels: labels, expressions: expressions)
    }

    public func matches(_ labels: [String: String]) -> Bool {
        for (key, value) in matchLabels where labels[key] != value { return false }
        for requirement in expressions {
            let value = labels[requirement.key]
            switch requirement.op {
            case "In": if value == nil || !requirement.values.contains(value ?? "") { return false }
            case "NotIn": if let value, requirement.values.contains(value) { return false }
            case "Exists": if value == nil { return false }
            case "DoesNotExist": if value != nil { return false }
            default: return false
            }
        }
        return true
    }
}
