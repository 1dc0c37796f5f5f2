/// A node of a YAML (or JSON) document, with the position where it starts.
///
/// The tree is built from libyaml's event stream (see `YAMLLoader`), which is several times
/// faster than composing Yams nodes or Codable decoding, and keeps the line and column of every
/// key and value so that a finding can point at the offending field.
public struct YAMLNode: Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case mapping([YAMLPair])
        case sequence([YAMLNode])
    }

    public var content: Content
    public var mark: Mark
    private var storedWeight: Int32

    /// Number of nodes below and including this one, counting alias expansions; used to cap
    /// "billion laughs" alias bombs (documents are refused long before it reaches Int32.max).
    public var weight: Int { Int(storedWeight) }

    public init(_ content: Content, mark: Mark, weight: Int = 1) {
        self.content = content
        self.mark = mark
        self.storedWeight = Int32(clamping: weight)
    }

    /// The value under `key` when this node is a mapping.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        // Last occurrence wins, as in Kubernetes' own decoder for a duplicated key (which the
        // loader reports separately).
        for pair in pairs.reversed() where pair.key == key {
            return pair.value
        }
        return nil
    }

    /// The pair (with the key's own position) under `key`.
    public func pair(_ key: String) -> YAMLPair? {
        guard case .mapping(let pairs) = content else { return nil }
        return pairs.last { $0.key == key }
    }

    public var pairs: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    public var items: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var scalar: YAMLScalar? {
        if case .scalar(let scalar) = content { return scalar }
        return nil
    }

    public var isMapping: Bool { pairs != nil }
    public var isSequence: Bool { items != nil }

    /// True for an explicit YAML null (`~`, `null`, empty value).
    public var isNull: Bool { scalar?.isNull ?? false }

    /// The scalar's text when it is a string-like scalar (not null).
    public var string: String? {
        guard let scalar, !scalar.isNull else { return nil }
        return scalar.value
    }

    public var bool: Bool? { scalar?.bool }
    public var int: Int? { scalar?.int }

    /// A short name for the node's type, used in error messages.
    public var typeName: String {
        switch content {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if scalar.isNull { return "null" }
            if scalar.bool != nil { return "a boolean" }
            if scalar.int != nil { return "an integer" }
            return "a string"
        }
    }
}

public struct YAMLPair: Sendable {
    public var key: String
    public var keyMark: Mark
    public var value: YAMLNode

    public init(key: String, keyMark: Mark, value: YAMLNode) {
        self.key = key
        self.keyMark = keyMark
        self.value = value
    }
}

public struct YAMLScalar: Sendable {
    public enum Style: Sendable {
        case plain
        case quoted
        case block
    }

    public var value: String
    public var style: Style
    public var tag: String?

    public init(value: String, style: Style, tag: String? = nil) {
        self.value = value
        self.style = style
        self.tag = tag
    }

    public var isNull: Bool {
        if tag == "tag:yaml.org,2002:null" { return true }
        guard style == .plain, tag == nil else { return false }
        switch value {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// Booleans as Kubernetes' YAML decoder (YAML 1.1 through sigs.k8s.io/yaml) reads them.
    public var bool: Bool? {
        if let tag, tag != "tag:yaml.org,2002:bool" { return nil }
        if style != .plain && tag == nil { return nil }
        switch value {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y":
            return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N":
            return false
        default:
            return nil
        }
    }

    public var int: Int? {
        if let tag, tag != "tag:yaml.org,2002:int" { return nil }
        if style != .plain && tag == nil { return nil }
        var text = Substring(value)
        var negative = false
        if text.hasPrefix("-") { negative = true; text = text.dropFirst() }
        else if text.hasPrefix("+") { text = text.dropFirst() }
        if text.contains("_") { text = Substring(text.filter { $0 != "_" }) }
        let magnitude: Int?
        if text.hasPrefix("0x") { magnitude = Int(text.dropFirst(2), radix: 16) }
        else if text.hasPrefix("0o") { magnitude = Int(text.dropFirst(2), radix: 8) }
        else if text.count > 1 && text.hasPrefix("0") && text.allSatisfy(\.isNumber) { magnitude = Int(text.dropFirst(), radix: 8) }
        else { magnitude = Int(text) }
        guard let magnitude else { return nil }
        return negative ? -magnitude : magnitude
    }
}

/// One document of a (possibly multi-document) input file.
public struct YAMLDocument: Sendable {
    public var root: YAMLNode
    /// 0-based position of the document in its file.
    public var index: Int

    public init(root: YAMLNode, index: Int) {
        self.root = root
        self.index = index
    }
}
