import BulkheadCore

/// Where an AWS resource was read from. Every input becomes the same `AWSResource`, so every check
/// works on every input.
public enum AWSOrigin: String, Sendable, Hashable {
    case cloudFormation
    case terraform
    case live
}

/// One AWS resource in the normalized model: its CloudFormation type name (`AWS::EKS::Cluster`)
/// and its properties in CloudFormation's layout and spelling, whatever the input was. Values keep
/// their positions in the input; a value that could not be resolved statically (a parameter
/// without a default, an attribute known only after deployment) is an *unknown* scalar and a
/// reference to another resource of the same input is a *reference* scalar (see `AWSValue`).
public struct AWSResource: Sendable, Judged {
    public var type: String
    /// The logical ID (CloudFormation), the address (Terraform), or the ARN or name (live).
    public var id: String
    public var properties: YAMLNode
    public var file: String
    /// Where the resource is declared.
    public var mark: Mark
    public var origin: AWSOrigin
    /// Resources reference each other within one scope: one template, one Terraform module, one account.
    public var scope: String
    /// The resource's condition could not be resolved: it may not be created at all.
    public var conditionUnknown = false
    /// For a resource read from an account: where it lives there.
    public var cloud: CloudLocation?
    /// `bulkhead.io/ignore` on the resource (a CloudFormation resource's `Metadata`).
    public var suppression: SuppressionMarker?

    public init(type: String, id: String, properties: YAMLNode, file: String, mark: Mark, origin: AWSOrigin, scope: String) {
        self.type = type
        self.id = id
        self.properties = properties
        self.file = file
        self.mark = mark
        self.origin = origin
        self.scope = scope
    }

    public var ref: ResourceRef { ResourceRef(apiVersion: "aws", kind: type, namespace: nil, name: id) }

    /// The node at a dotted path of property names (`ResourcesVpcConfig.EndpointPublicAccess`).
    public func node(_ path: String) -> YAMLNode? {
        var node: YAMLNode? = properties
        for key in path.split(separator: ".") {
            node = node?[String(key)]
        }
        return node
    }

    public func bool(_ path: String) -> Known<Bool> { Known(node(path)) { $0.awsBool } }
    public func string(_ path: String) -> Known<String> { Known(node(path)) { $0.awsString } }
    public func int(_ path: String) -> Known<Int> { Known(node(path)) { $0.awsInt } }
    public func location(_ mark: Mark?) -> SourceLocation {
        if let cloud { return SourceLocation(cloud: cloud) }
        return SourceLocation(file: file, mark: mark ?? self.mark)
    }
}

/// A property as a check sees it: a value, absent, or unknown (with the reason and where).
public enum Known<Value: Sendable>: Sendable {
    case value(Value, Mark)
    case absent
    case unknown(String, Mark)

    init(_ node: YAMLNode?, _ read: (YAMLNode) -> Value?) {
        guard let node, !node.isNull else {
            self = .absent
            return
        }
        if let reason = node.unknownReason {
            self = .unknown(reason, node.mark)
        } else if let value = read(node) {
            self = .value(value, node.mark)
        } else {
            self = .unknown("\(node.typeName) where a value of another type was expected", node.mark)
        }
    }

    public var value: Value? {
        if case .value(let value, _) = self { return value }
        return nil
    }

    public var mark: Mark? {
        switch self {
        case .value(_, let mark), .unknown(_, let mark): return mark
        case .absent: return nil
        }
    }
}

/// The markers the input readers leave in resolved property trees.
public enum AWSValue {
    /// A value that cannot be known statically; the scalar's text is the reason.
    public static let unknownTag = "bulkhead:unknown"
    /// A reference to another resource of the same scope; the text is its ID, or `ID.Attribute`.
    public static let referenceTag = "bulkhead:ref"

    public static func unknown(_ reason: String, at mark: Mark) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(value: reason, style: .plain, tag: unknownTag)), mark: mark)
    }

    public static func reference(_ target: String, at mark: Mark) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(value: target, style: .plain, tag: referenceTag)), mark: mark)
    }

    public static func string(_ text: String, at mark: Mark) -> YAMLNode {
        YAMLNode(.scalar(YAMLScalar(value: text, style: .quoted)), mark: mark)
    }

    /// A mapping node from pairs; nil values are left out (the property is absent).
    public static func object(_ mark: Mark, _ pairs: [(String, YAMLNode?)]) -> YAMLNode {
        YAMLNode(.mapping(pairs.compactMap { key, value in value.map { YAMLPair(key: key, keyMark: $0.mark, value: $0) } }), mark: mark)
    }

    /// `AWS::S3::Bucket`'s `BucketEncryption` for one default rule.
    public static func bucketEncryption(algorithm: YAMLNode?, key: YAMLNode?, at mark: Mark) -> YAMLNode {
        object(mark, [("ServerSideEncryptionConfiguration", YAMLNode(.sequence([object(mark, [
            ("ServerSideEncryptionByDefault", object(mark, [("SSEAlgorithm", algorithm), ("KMSMasterKeyID", key)])),
        ])]), mark: mark))])
    }
}

extension YAMLNode {
    public var unknownReason: String? {
        guard let scalar, scalar.tag == AWSValue.unknownTag else { return nil }
        return scalar.value
    }

    /// The ID (or `ID.Attribute`) of the resource this value refers to.
    public var referenceTarget: String? {
        guard let scalar, scalar.tag == AWSValue.referenceTag else { return nil }
        return scalar.value
    }

    /// A boolean as AWS reads one: YAML/JSON booleans and the strings "true"/"false" in any case.
    public var awsBool: Bool? {
        guard let scalar, scalar.tag != AWSValue.unknownTag, scalar.tag != AWSValue.referenceTag else { return nil }
        if let bool = scalar.bool, scalar.style == .plain { return bool }
        switch scalar.value.lowercased() {
        case "true": return true
        case "false": return false
        default: return nil
        }
    }

    /// Text of a scalar (a reference reads as its target's ID); nil for unknowns, lists, mappings.
    public var awsString: String? {
        guard let scalar, !scalar.isNull, scalar.tag != AWSValue.unknownTag else { return nil }
        return scalar.value
    }

    public var awsInt: Int? {
        guard let text = awsString else { return nil }
        return Int(text)
    }

    /// A value that may be written as one item or a list of items (IAM's `Action`, `Principal.AWS`).
    public var oneOrMany: [YAMLNode] {
        if let items { return items }
        if isNull { return [] }
        return [self]
    }
}
