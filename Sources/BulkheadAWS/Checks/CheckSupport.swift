import BulkheadCore

/// Building blocks for AWS checks and their examples.
/// Example templates, for the AWS checks and the chains across domains.
public enum CFN {
    /// A template with one resource, `Subject`, of `type` with `properties` (YAML at column 0),
    /// and optional further resources (YAML for the `Resources:` mapping, at column 0).
    public static func template(_ type: String, _ properties: String, others: String = "") -> String {
        var text = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Subject:\n    Type: \(type)\n"
        if !properties.isEmpty {
            text += "    Properties:\n" + indent(properties, by: 6)
        }
        if !others.isEmpty { text += indent(others, by: 2) }
        return text
    }

    public static let exampleIssuer = "oidc.eks.eu-west-1.amazonaws.com/id/ABC"

    /// An IRSA trust policy (`AssumeRolePolicyDocument`, at column 0) through the example
    /// cluster's OIDC provider, with `condition` (YAML at column 0) as its Condition.
    public static func irsaTrust(principal: String = "arn:aws:iam::111111111111:oidc-provider/\(exampleIssuer)", condition: String?) -> String {
        var text = "AssumeRolePolicyDocument:\n  Statement:\n  - Effect: Allow\n    Principal: {Federated: \(principal)}\n    Action: sts:AssumeRoleWithWebIdentity\n"
        if let condition { text += "    Condition:\n" + indent(condition, by: 6) }
        return text
    }

    /// `sub` pinned to one service account and `aud` to STS, as IRSA wants.
    public static func pinned(_ serviceAccount: String) -> String {
        "StringEquals:\n  \(exampleIssuer):sub: \(serviceAccount)\n  \(exampleIssuer):aud: sts.amazonaws.com\n"
    }

    static func indent(_ text: String, by spaces: Int) -> String {
        let pad = String(repeating: " ", count: spaces)
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.isEmpty ? "" : pad + $0 }
            .joined(separator: "\n") + (text.hasSuffix("\n") ? "" : "\n")
    }
}

enum Rules {
    /// The property must be true (`defaultValue` when absent).
    static func mustBeTrue(_ resource: AWSResource, _ path: String, default defaultValue: Bool = false,
                           _ message: String) -> [AWSVerdict] {
        switch resource.bool(path) {
        case .value(true, _): return []
        case .value(false, let mark): return [.fail(message, at: mark, path)]
        case .absent: return defaultValue ? [] : [.fail("\(message) (\(path) is not set)", at: nil, path)]
        case .unknown(let reason, let mark): return [.unknown("\(path): \(reason)", at: mark, path)]
        }
    }

    /// The property must hold a value (a string, a reference to a resource). A value unknown before
    /// deployment (a variable, an imported value) is still a value that is set: what these checks
    /// ask is whether a key is configured at all.
    static func mustBeSet(_ resource: AWSResource, _ path: String, _ message: String) -> [AWSVerdict] {
        guard let node = resource.node(path), !node.isNull else { return [.fail(message, at: nil, path)] }
        if let text = node.awsString, text.isEmpty { return [.fail(message, at: node.mark, path)] }
        return []
    }

    /// A customer-managed key: set, and not an alias of an AWS-managed key (`alias/aws/...`).
    static func customerManagedKey(_ resource: AWSResource, _ path: String, _ message: String) -> [AWSVerdict] {
        let missing = mustBeSet(resource, path, message)
        guard missing.isEmpty else { return missing }
        if let node = resource.node(path), let text = node.awsString, node.referenceTarget == nil,
           text.contains("alias/aws/") || text.hasPrefix("aws/") {
            return [.fail("\(message): \(text) is an AWS-managed key", at: node.mark, path)]
        }
        return []
    }
}

/// IAM policy documents, as every policy-bearing resource holds them.
public struct PolicyStatement {
    public var node: YAMLNode
    public var allows: Bool { node["Effect"]?.awsString == "Allow" }
    public var actions: [YAMLNode] { node["Action"]?.oneOrMany ?? [] }
    public var resources: [YAMLNode] { node["Resource"]?.oneOrMany ?? [] }
    public var principal: YAMLNode? { node["Principal"] }
    public var condition: YAMLNode? { node["Condition"] }

    /// The statements of a document; a document given as a JSON string is parsed.
    public static func statements(of document: YAMLNode?) -> [PolicyStatement] {
        guard var document, !document.isNull else { return [] }
        if let text = document.awsString, document.referenceTarget == nil {
            let parsed = YAMLLoader().load(text, file: "policy")
            guard var root = parsed.documents.first?.root, parsed.diagnostics.isEmpty else { return [] }
            root = Self.placed(root, at: document.mark)
            document = root
        }
        return (document["Statement"]?.oneOrMany ?? []).filter(\.isMapping).map { PolicyStatement(node: $0) }
    }

    /// A tree parsed from a string points at the string itself.
    private static func placed(_ node: YAMLNode, at mark: Mark) -> YAMLNode {
        var node = node
        node.mark = mark
        switch node.content {
        case .scalar: break
        case .sequence(let items): node.content = .sequence(items.map { placed($0, at: mark) })
        case .mapping(let pairs): node.content = .mapping(pairs.map { YAMLPair(key: $0.key, keyMark: mark, value: placed($0.value, at: mark)) })
        }
        return node
    }

    static func isWildcard(_ node: YAMLNode) -> Bool { node.awsString == "*" }

    /// An action that grants everything: `*` (a service's `svc:*` is broad, not everything).
    var allowsAllActions: Bool { allows && actions.contains(where: Self.isWildcard) }
    var onAllResources: Bool { resources.contains(where: Self.isWildcard) }

    /// Everyone: `Principal: "*"` or `Principal: {AWS: "*"}`.
    var principalIsEveryone: Bool {
        guard let principal else { return false }
        // `"*"`, or (not valid IAM, but read the same way by AWS tools) a list holding "*".
        if principal.oneOrMany.contains(where: Self.isWildcard) { return true }
        return principal["AWS"]?.oneOrMany.contains(where: Self.isWildcard) ?? false
    }

    /// Condition keys that narrow "everyone" down to an organization, an account, a network or a source.
    static let restrictingConditionKeys: Set<String> = [
        "aws:principalorgid", "aws:principalorgpaths", "aws:principalaccount", "aws:principalarn", "aws:sourceaccount",
        "aws:sourcearn", "aws:sourceowner", "aws:sourcevpc", "aws:sourcevpce", "aws:sourceip", "aws:sourceorgid",
        "kms:calleraccount", "kms:viaservice",
    ]

    var hasRestrictingCondition: Bool {
        for operatorPair in condition?.pairs ?? [] {
            for keyPair in operatorPair.value.pairs ?? [] where Self.restrictingConditionKeys.contains(keyPair.key.lowercased()) {
                return true
            }
        }
        return false
    }

    /// Which policy documents a resource holds, with their property paths.
    public static func documents(of resource: AWSResource) -> [(path: String, node: YAMLNode)] {
        var out: [(String, YAMLNode)] = []
        if let document = resource.node("PolicyDocument") { out.append(("PolicyDocument", document)) }
        if let document = resource.node("InlinePolicy") { out.append(("InlinePolicy", document)) }
        for (index, policy) in (resource.node("Policies")?.items ?? []).enumerated() {
            if let document = policy["PolicyDocument"] { out.append(("Policies[\(index)].PolicyDocument", document)) }
        }
        return out
    }
}
