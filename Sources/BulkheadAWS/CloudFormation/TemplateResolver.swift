import BulkheadCore

/// Reads a CloudFormation template into `AWSResource`s, resolving what can be known statically:
/// `Ref` to parameters (their defaults) and pseudo parameters, `Fn::Sub`, `Fn::Join`,
/// `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::If` and the template's `Conditions`, in both
/// the long form (`{"Fn::If": [...]}`) and the short YAML tags (`!If [...]`). `Ref`/`Fn::GetAtt`
/// of a resource become references; a parameter without a default, `Fn::ImportValue`,
/// `Fn::GetAZs` or a condition that depends on them become unknown values, never guesses.
struct TemplateResolver {
    let template: YAMLNode
    let file: String
    private var parameters: [String: YAMLNode] = [:]
    private var conditions: [String: YAMLNode] = [:]
    private var mappings: YAMLNode?
    private var resourceIDs: Set<String> = []
    private(set) var diagnostics: [Diagnostic] = []

    static let pseudoParameters: [String: String] = [
        "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com",
        "AWS::AccountId": "${AWS::AccountId}", "AWS::Region": "${AWS::Region}", "AWS::StackName": "${AWS::StackName}",
        "AWS::StackId": "${AWS::StackId}",
    ]

    init(template: YAMLNode, file: String) {
        self.template = template
        self.file = file
        for pair in template["Parameters"]?.pairs ?? [] {
            parameters[pair.key] = pair.value
        }
        for pair in template["Conditions"]?.pairs ?? [] {
            conditions[pair.key] = pair.value
        }
        mappings = template["Mappings"]
        resourceIDs = Set((template["Resources"]?.pairs ?? []).map(\.key))
    }

    /// Every resource of the template, with resolved properties.
    mutating func resources() -> [AWSResource] {
        guard let resourcesNode = template["Resources"] else { return [] }
        guard let pairs = resourcesNode.pairs else {
            report(resourcesNode, field: "Resources", "expected a mapping of resources, found \(resourcesNode.typeName)")
            return []
        }
        var out: [AWSResource] = []
        for pair in pairs {
            let node = pair.value
            guard node.isMapping else {
                report(node, field: "Resources.\(pair.key)", "expected a mapping with Type and Properties, found \(node.typeName)")
                continue
            }
            guard let type = node["Type"]?.string else {
                report(node, field: "Resources.\(pair.key).Type", "missing resource Type")
                continue
            }
            var conditionUnknown = false
            if let name = node["Condition"]?.string {
                switch condition(named: name) {
                case false?: continue // not created
                case nil: conditionUnknown = true
                case true?: break
                }
            }
            var properties = YAMLNode(.mapping([]), mark: pair.keyMark)
            if let raw = node["Properties"] {
                if raw.isMapping || raw.isNull {
                    properties = resolve(raw) ?? properties
                    if properties.isNull { properties = YAMLNode(.mapping([]), mark: raw.mark) }
                } else {
                    report(raw, field: "Resources.\(pair.key).Properties", "expected a mapping, found \(raw.typeName)")
                }
            }
            var resource = AWSResource(type: type, id: pair.key, properties: properties, file: file, mark: pair.keyMark,
                                       origin: .cloudFormation, scope: file)
            resource.conditionUnknown = conditionUnknown
            // `Metadata: {bulkhead.io/ignore: "CHECK reason"}` suppresses as the annotation does on Kubernetes objects.
            if let ignore = node["Metadata"]?.pair(Suppressions.key), let value = ignore.value.string {
                resource.suppression = SuppressionMarker(value: value, mark: ignore.keyMark, field: "Resources.\(pair.key).Metadata.\(Suppressions.key)")
            }
            out.append(resource)
        }
        return out
    }

    private mutating func report(_ node: YAMLNode, field: String, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column, field: field, message: message))
    }

    /// The intrinsic function a node calls, if any: `{"Fn::X": arg}`, `{"Ref": x}`, a tagged scalar
    /// `!X arg`, or a tagged list/mapping wrapped by the loader as `{"!X": arg}`.
    static func intrinsic(_ node: YAMLNode) -> (name: String, argument: YAMLNode)? {
        if let scalar = node.scalar, let tag = scalar.tag, tag.hasPrefix("!") {
            return (longName(tag), YAMLNode(.scalar(YAMLScalar(value: scalar.value, style: .quoted)), mark: node.mark))
        }
        guard let pairs = node.pairs, pairs.count == 1 else { return nil }
        let key = pairs[0].key
        if key == "Ref" || key == "Condition" || key.hasPrefix("Fn::") { return (key, pairs[0].value) }
        if key.hasPrefix("!") { return (longName(key), pairs[0].value) }
        return nil
    }

    private static func longName(_ tag: String) -> String {
        let name = String(tag.dropFirst())
        return name == "Ref" || name == "Condition" ? name : "Fn::\(name)"
    }

    /// The resolved value; nil for `AWS::NoValue` (the property is removed).
    mutating func resolve(_ node: YAMLNode) -> YAMLNode? {
        if let (name, argument) = Self.intrinsic(node) {
            return function(name, argument, at: node.mark)
        }
        switch node.content {
        case .scalar:
            return node
        case .sequence(let items):
            var out: [YAMLNode] = []
            for item in items {
                if let value = resolve(item) { out.append(value) }
            }
            return YAMLNode(.sequence(out), mark: node.mark)
        case .mapping(let pairs):
            var out: [YAMLPair] = []
            for pair in pairs {
                if let value = resolve(pair.value) { out.append(YAMLPair(key: pair.key, keyMark: pair.keyMark, value: value)) }
            }
            return YAMLNode(.mapping(out), mark: node.mark)
        }
    }

    private mutating func function(_ name: String, _ argument: YAMLNode, at mark: Mark) -> YAMLNode? {
        switch name {
        case "Ref":
            guard let target = argument.string else { return AWSValue.unknown("Ref of \(argument.typeName)", at: mark) }
            return ref(target, at: mark)
        case "Fn::GetAtt":
            let target: String
            if let text = argument.string {
                target = text
            } else if let items = argument.items, items.count == 2, let resource = items[0].string, let attribute = resolve(items[1])?.awsString {
                target = "\(resource).\(attribute)"
            } else {
                return AWSValue.unknown("Fn::GetAtt with an unexpected argument", at: mark)
            }
            return AWSValue.reference(target, at: mark)
        case "Fn::Sub":
            return substitute(argument, at: mark)
        case "Fn::Join":
            guard let items = argument.items, items.count == 2, let delimiter = items[0].string,
                  let list = resolve(items[1]), let parts = list.items else {
                return AWSValue.unknown("Fn::Join with an unexpected argument", at: mark)
            }
            var texts: [String] = []
            for part in parts {
                if let reason = part.unknownReason { return AWSValue.unknown(reason, at: mark) }
                if let target = part.referenceTarget { texts.append("${\(target)}"); continue }
                guard let text = part.awsString else { return AWSValue.unknown("Fn::Join of \(part.typeName)", at: mark) }
                texts.append(text)
            }
            return AWSValue.string(texts.joined(separator: delimiter), at: mark)
        case "Fn::Select":
            guard let items = argument.items, items.count == 2, let index = resolve(items[0])?.awsInt else {
                return AWSValue.unknown("Fn::Select with an index that cannot be resolved", at: mark)
            }
            guard let list = resolve(items[1]) else { return nil }
            if let reason = list.unknownReason { return AWSValue.unknown(reason, at: mark) }
            guard let values = list.items, values.indices.contains(index) else {
                return AWSValue.unknown("Fn::Select index \(index) out of range", at: mark)
            }
            return values[index]
        case "Fn::Split":
            guard let items = argument.items, items.count == 2, let delimiter = items[0].string, !delimiter.isEmpty,
                  let text = resolve(items[1])?.awsString, resolve(items[1])?.referenceTarget == nil else {
                return AWSValue.unknown("Fn::Split of a value that cannot be resolved", at: mark)
            }
            return YAMLNode(.sequence(text.components(separatedBy: delimiter).map { AWSValue.string($0, at: mark) }), mark: mark)
        case "Fn::FindInMap":
            guard let items = argument.items, items.count >= 3,
                  let map = resolve(items[0])?.awsString, let top = resolve(items[1])?.awsString, let second = resolve(items[2])?.awsString,
                  resolve(items[1])?.referenceTarget == nil, resolve(items[2])?.referenceTarget == nil else {
                return AWSValue.unknown("Fn::FindInMap with keys that cannot be resolved", at: mark)
            }
            guard let value = mappings?[map]?[top]?[second] else {
                if items.count == 4, let fallback = items[3]["DefaultValue"] { return resolve(fallback) }
                return AWSValue.unknown("Fn::FindInMap: \(map).\(top).\(second) not in Mappings", at: mark)
            }
            return resolve(value)
        case "Fn::If":
            guard let items = argument.items, items.count == 3, let name = items[0].string else {
                return AWSValue.unknown("Fn::If with an unexpected argument", at: mark)
            }
            switch condition(named: name) {
            case true?: return resolve(items[1])
            case false?: return resolve(items[2])
            case nil: return AWSValue.unknown("depends on condition \(name), which cannot be resolved statically", at: mark)
            }
        case "Fn::Base64":
            return resolve(argument)
        case "Fn::ImportValue":
            return AWSValue.unknown("imported from another stack (Fn::ImportValue)", at: mark)
        case "Fn::GetAZs", "Fn::Cidr", "Fn::GetAZ":
            return AWSValue.unknown("\(name) is known only at deployment", at: mark)
        default:
            return AWSValue.unknown("\(name) is not evaluated statically", at: mark)
        }
    }

    private func ref(_ target: String, at mark: Mark) -> YAMLNode? {
        if target == "AWS::NoValue" { return nil }
        if let text = Self.pseudoParameters[target] { return AWSValue.string(text, at: mark) }
        if let parameter = parameters[target] {
            guard let value = parameter["Default"], !value.isNull else {
                return AWSValue.unknown("parameter \(target) has no default", at: mark)
            }
            // The default, placed where it is used.
            var placed = value
            placed.mark = mark
            if parameter["Type"]?.string?.hasPrefix("List<") == true || parameter["Type"]?.string == "CommaDelimitedList",
               let text = value.awsString {
                return YAMLNode(.sequence(text.split(separator: ",").map { AWSValue.string($0.trimmingCharacters(in: .whitespaces), at: mark) }), mark: mark)
            }
            return placed
        }
        if resourceIDs.contains(target) { return AWSValue.reference(target, at: mark) }
        return AWSValue.unknown("Ref to \(target), which is neither a parameter nor a resource of the template", at: mark)
    }

    /// `Fn::Sub`: variables of the function, then parameters and pseudo parameters; references to
    /// resources and unresolvable parameters stay as `${Name}` in the text.
    private mutating func substitute(_ argument: YAMLNode, at mark: Mark) -> YAMLNode {
        var text: String
        var variables: [String: String] = [:]
        if let string = argument.string {
            text = string
        } else if let items = argument.items, items.count == 2, let string = items[0].string {
            text = string
            for pair in items[1].pairs ?? [] {
                guard let value = resolve(pair.value) else { continue }
                if let reason = value.unknownReason { return AWSValue.unknown(reason, at: mark) }
                variables[pair.key] = value.referenceTarget.map { "${\($0)}" } ?? value.awsString ?? "${\(pair.key)}"
            }
        } else {
            return AWSValue.unknown("Fn::Sub with an unexpected argument", at: mark)
        }
        var out = ""
        while let open = text.range(of: "${") {
            out += text[..<open.lowerBound]
            guard let close = text[open.upperBound...].firstIndex(of: "}") else {
                out += text[open.lowerBound...]
                text = ""
                break
            }
            let name = String(text[open.upperBound..<close])
            if name.hasPrefix("!") {
                out += "${\(name.dropFirst())}" // ${!Literal} is written as ${Literal}
            } else if let value = variables[name] {
                out += value
            } else if let value = Self.pseudoParameters[name] {
                out += value
            } else if let parameter = parameters[name], let value = parameter["Default"]?.awsString {
                out += value
            } else {
                out += "${\(name)}"
            }
            text = String(text[text.index(after: close)...])
        }
        out += text
        return AWSValue.string(out, at: mark)
    }

    private var evaluating: Set<String> = []

    /// A named condition: true, false, or nil when it cannot be resolved statically.
    mutating func condition(named name: String) -> Bool? {
        guard let node = conditions[name], !evaluating.contains(name) else { return nil }
        evaluating.insert(name)
        defer { evaluating.remove(name) }
        return evaluate(node)
    }

    private mutating func evaluate(_ node: YAMLNode) -> Bool? {
        if let bool = node.awsBool { return bool }
        guard let (name, argument) = Self.intrinsic(node) else { return nil }
        switch name {
        case "Condition":
            return argument.string.flatMap { condition(named: $0) }
        case "Fn::Equals":
            guard let items = argument.items, items.count == 2 else { return nil }
            let left = resolve(items[0]), right = resolve(items[1])
            guard let left, let right, left.unknownReason == nil, right.unknownReason == nil,
                  left.referenceTarget == nil, right.referenceTarget == nil,
                  let a = left.awsString, let b = right.awsString, !a.contains("${"), !b.contains("${") else { return nil }
            return a == b
        case "Fn::Not":
            guard let items = argument.items, items.count == 1 else { return nil }
            return evaluate(items[0]).map { !$0 }
        case "Fn::And", "Fn::Or":
            guard let items = argument.items else { return nil }
            var sawUnknown = false
            for item in items {
                switch evaluate(item) {
                case true? where name == "Fn::Or": return true
                case false? where name == "Fn::And": return false
                case nil: sawUnknown = true
                default: break
                }
            }
            return sawUnknown ? nil : (name == "Fn::And")
        default:
            return nil
        }
    }
}

/// Reads CloudFormation templates into the normalized model.
public enum CloudFormationReader {
    /// The resources of one template (its root mapping), with intrinsics resolved, and the
    /// problems found in its shape.
    public static func read(_ template: YAMLNode, file: String) -> (resources: [AWSResource], diagnostics: [Diagnostic]) {
        var resolver = TemplateResolver(template: template, file: file)
        let resources = resolver.resources()
        return (resources, resolver.diagnostics)
    }
}
