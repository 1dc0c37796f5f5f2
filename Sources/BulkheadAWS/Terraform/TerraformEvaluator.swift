import BulkheadCore
import Foundation

/// One Terraform module: the `.tf` files of one directory, read together.
struct TerraformModule {
    struct Declared {
        var type: String
        var name: String
        var block: HCLBlock
        var file: String
        var address: String { "\(type).\(name)" }
    }

    var directory: String
    /// The guarded reader for the files the module names (`file()`).
    var context = ReadContext()
    var variables: [String: HCLExpression?] = [:]
    var variableValues: [String: YAMLNode] = [:]
    var locals: [String: HCLExpression] = [:]
    var resources: [Declared] = []
    var data: [String: Declared] = [:]
    var modules: [Declared] = []

    init(directory: String) {
        self.directory = directory
    }

    mutating func add(_ body: HCLBody, file: String) {
        for block in body.blocks {
            switch block.type {
            case "variable" where block.labels.count == 1:
                variables[block.labels[0]] = block.body.attribute("default")?.expression
            case "locals":
                for attribute in block.body.attributes { locals[attribute.name] = attribute.expression }
            case "resource" where block.labels.count == 2:
                resources.append(Declared(type: block.labels[0], name: block.labels[1], block: block, file: file))
            case "data" where block.labels.count == 2:
                data["\(block.labels[0]).\(block.labels[1])"] = Declared(type: block.labels[0], name: block.labels[1], block: block, file: file)
            case "module" where block.labels.count == 1:
                modules.append(Declared(type: "module", name: block.labels[0], block: block, file: file))
            default:
                break
            }
        }
    }
}

/// Evaluates Terraform expressions to values (positioned `YAMLNode`s): variables with their
/// defaults (or `.tfvars` values), locals, the functions needed to read security settings, for
/// expressions, conditionals. A reference to a resource becomes a reference value; what Terraform
/// knows only at apply time (data sources other than policy documents, module outputs, unset
/// variables) becomes unknown.
struct TerraformEvaluator {
    let module: TerraformModule
    private var localValues: [String: YAMLNode] = [:]
    private var evaluatingLocals: Set<String> = []
    private var scopes: [[String: YAMLNode]] = []
    private let resourceAddresses: Set<String>

    init(module: TerraformModule) {
        self.module = module
        resourceAddresses = Set(module.resources.map(\.address))
    }

    // MARK: values

    static func string(_ text: String, _ mark: Mark) -> YAMLNode { AWSValue.string(text, at: mark) }
    static func plain(_ text: String, _ mark: Mark) -> YAMLNode { YAMLNode(.scalar(YAMLScalar(value: text, style: .plain)), mark: mark) }
    static func bool(_ value: Bool, _ mark: Mark) -> YAMLNode { plain(value ? "true" : "false", mark) }
    static func null(_ mark: Mark) -> YAMLNode { plain("null", mark) }
    static func isUnknown(_ node: YAMLNode) -> Bool { node.unknownReason != nil || node.referenceTarget != nil }

    /// Text of a value inside a template: references and unknowns as `${...}` placeholders.
    static func templateText(_ node: YAMLNode) -> String? {
        if let target = node.referenceTarget { return "${\(target)}" }
        if node.unknownReason != nil { return nil }
        if node.isNull { return "" }
        return node.scalar?.value
    }

    static func number(_ node: YAMLNode) -> Double? {
        guard let text = node.awsString, node.referenceTarget == nil else { return nil }
        return Double(text)
    }

    static func format(_ value: Double, _ mark: Mark) -> YAMLNode {
        value == value.rounded() && abs(value) < 1e15 ? plain(String(Int(value)), mark) : plain(String(value), mark)
    }

    // MARK: expressions

    mutating func evaluate(_ expression: HCLExpression) -> YAMLNode {
        switch expression {
        case .literal(let node):
            return node
        case .template(let parts, let mark):
            if parts.count == 1, case .interpolation(let inner) = parts[0] {
                return evaluate(inner) // "${x}" is x itself, with its type
            }
            var text = ""
            for part in parts {
                switch part {
                case .text(let piece): text += piece
                case .interpolation(let inner):
                    let value = evaluate(inner)
                    if let piece = Self.templateText(value) { text += piece } else { text += "${\(value.unknownReason ?? "?")}" }
                case .directive: return AWSValue.unknown("template directives (%{ }) are not evaluated", at: mark)
                }
            }
            return Self.string(text, mark)
        case .tuple(let items, let mark):
            return YAMLNode(.sequence(items.map { evaluate($0) }), mark: mark)
        case .object(let items, let mark):
            var pairs: [YAMLPair] = []
            for item in items {
                let key = evaluate(item.key)
                guard let name = key.awsString, key.referenceTarget == nil else {
                    return AWSValue.unknown("an object key that cannot be resolved", at: mark)
                }
                pairs.append(YAMLPair(key: name, keyMark: key.mark, value: evaluate(item.value)))
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        case .variable(let name, let mark):
            return traverse(name, [], mark)
        case .traversal(let base, let steps, let mark):
            if case .variable(let name, _) = base { return traverse(name, steps, mark) }
            return apply(steps, to: evaluate(base), mark)
        case .call(let name, let arguments, let expandLast, let mark):
            var values = arguments.map { evaluate($0) }
            if expandLast, let last = values.popLast() {
                guard let items = last.items else { return AWSValue.unknown("\(name)(...) of a value that cannot be resolved", at: mark) }
                values += items
            }
            return TerraformFunctions.call(name, values, mark, directory: module.directory, context: module.context)
        case .unary(let op, let operand, let mark):
            let value = evaluate(operand)
            if Self.isUnknown(value) { return AWSValue.unknown("depends on \(value.referenceTarget ?? value.unknownReason ?? "")", at: mark) }
            if op == "!", let bool = value.awsBool { return Self.bool(!bool, mark) }
            if op == "-", let number = Self.number(value) { return Self.format(-number, mark) }
            return AWSValue.unknown("\(op) of \(value.typeName)", at: mark)
        case .binary(let op, let left, let right, let mark):
            return binary(op, evaluate(left), evaluate(right), mark)
        case .conditional(let condition, let yes, let no, let mark):
            let value = evaluate(condition)
            if let bool = value.awsBool, !Self.isUnknown(value) { return evaluate(bool ? yes : no) }
            return AWSValue.unknown("depends on a condition that cannot be resolved statically", at: mark)
        case .forExpression(let keyName, let valueName, let collection, let key, let value, let condition, let grouped, let mark):
            let source = evaluate(collection)
            var elements: [(YAMLNode, YAMLNode)] = []
            if let items = source.items {
                elements = items.enumerated().map { (Self.plain(String($0.offset), mark), $0.element) }
            } else if let pairs = source.pairs {
                elements = pairs.map { (Self.string($0.key, $0.keyMark), $0.value) }
            } else {
                return AWSValue.unknown("a for expression over a value that cannot be resolved", at: mark)
            }
            var outItems: [YAMLNode] = []
            var outPairs: [YAMLPair] = []
            for (elementKey, elementValue) in elements {
                var scope: [String: YAMLNode] = [valueName: elementValue]
                if let keyName { scope[keyName] = elementKey }
                scopes.append(scope)
                defer { scopes.removeLast() }
                if let condition {
                    let keep = evaluate(condition)
                    guard let bool = keep.awsBool, !Self.isUnknown(keep) else {
                        return AWSValue.unknown("a for expression filter that cannot be resolved", at: mark)
                    }
                    if !bool { continue }
                }
                if let key {
                    let name = evaluate(key)
                    guard let text = name.awsString, name.referenceTarget == nil else { return AWSValue.unknown("a for expression key that cannot be resolved", at: mark) }
                    if grouped {
                        if let index = outPairs.firstIndex(where: { $0.key == text }) {
                            var group = outPairs[index].value.items ?? []
                            group.append(evaluate(value))
                            outPairs[index].value = YAMLNode(.sequence(group), mark: mark)
                        } else {
                            outPairs.append(YAMLPair(key: text, keyMark: mark, value: YAMLNode(.sequence([evaluate(value)]), mark: mark)))
                        }
                    } else {
                        outPairs.append(YAMLPair(key: text, keyMark: mark, value: evaluate(value)))
                    }
                } else {
                    outItems.append(evaluate(value))
                }
            }
            return key == nil ? YAMLNode(.sequence(outItems), mark: mark) : YAMLNode(.mapping(outPairs), mark: mark)
        }
    }

    private func binary(_ op: String, _ left: YAMLNode, _ right: YAMLNode, _ mark: Mark) -> YAMLNode {
        if op == "&&" || op == "||" {
            let a = Self.isUnknown(left) ? nil : left.awsBool, b = Self.isUnknown(right) ? nil : right.awsBool
            if op == "&&", a == false || b == false { return Self.bool(false, mark) }
            if op == "||", a == true || b == true { return Self.bool(true, mark) }
            guard let a, let b else { return AWSValue.unknown("a boolean that cannot be resolved", at: mark) }
            return Self.bool(op == "&&" ? a && b : a || b, mark)
        }
        if Self.isUnknown(left) || Self.isUnknown(right) {
            return AWSValue.unknown("depends on \(left.referenceTarget ?? right.referenceTarget ?? left.unknownReason ?? right.unknownReason ?? "")", at: mark)
        }
        if op == "==" || op == "!=" {
            var a = "", b = ""
            Self.canonical(left, into: &a)
            Self.canonical(right, into: &b)
            return Self.bool((a == b) == (op == "=="), mark)
        }
        guard let a = Self.number(left), let b = Self.number(right) else { return AWSValue.unknown("\(op) of non-numbers", at: mark) }
        switch op {
        case "+": return Self.format(a + b, mark)
        case "-": return Self.format(a - b, mark)
        case "*": return Self.format(a * b, mark)
        case "/": return b == 0 ? AWSValue.unknown("division by zero", at: mark) : Self.format(a / b, mark)
        case "%": return b == 0 ? AWSValue.unknown("division by zero", at: mark) : Self.format(a.truncatingRemainder(dividingBy: b), mark)
        case "<": return Self.bool(a < b, mark)
        case ">": return Self.bool(a > b, mark)
        case "<=": return Self.bool(a <= b, mark)
        case ">=": return Self.bool(a >= b, mark)
        default: return AWSValue.unknown("operator \(op)", at: mark)
        }
    }

    /// A comparable rendering of a value (numbers and strings compare by text, as Terraform converts them).
    static func canonical(_ node: YAMLNode, into out: inout String) {
        switch node.content {
        case .scalar(let scalar): out += scalar.isNull ? "null" : "s:\(scalar.value)"
        case .sequence(let items):
            out += "["
            for item in items { canonical(item, into: &out); out += "," }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            for pair in pairs.sorted(by: { $0.key < $1.key }) { out += "\(pair.key)="; canonical(pair.value, into: &out); out += "," }
            out += "}"
        }
    }

    private mutating func traverse(_ root: String, _ steps: [HCLExpression.Step], _ mark: Mark) -> YAMLNode {
        for scope in scopes.reversed() {
            if let value = scope[root] { return apply(steps, to: value, mark) }
        }
        func name(_ index: Int) -> String? {
            guard steps.indices.contains(index), case .attribute(let name) = steps[index] else { return nil }
            return name
        }
        switch root {
        case "var":
            guard let variable = name(0) else { return AWSValue.unknown("var without a name", at: mark) }
            var value: YAMLNode
            if let given = module.variableValues[variable] {
                value = given
            } else if let declared = module.variables[variable], let defaultExpression = declared {
                value = evaluate(defaultExpression)
            } else if module.variables[variable] != nil {
                value = AWSValue.unknown("variable \(variable) has no default", at: mark)
            } else {
                value = AWSValue.unknown("variable \(variable) is not declared", at: mark)
            }
            value.mark = mark
            return apply(Array(steps.dropFirst()), to: value, mark)
        case "local":
            guard let local = name(0) else { return AWSValue.unknown("local without a name", at: mark) }
            var value: YAMLNode
            if let cached = localValues[local] {
                value = cached
            } else if let expression = module.locals[local], !evaluatingLocals.contains(local) {
                evaluatingLocals.insert(local)
                value = evaluate(expression)
                evaluatingLocals.remove(local)
                localValues[local] = value
            } else {
                value = AWSValue.unknown("local \(local) cannot be resolved", at: mark)
            }
            value.mark = mark
            return apply(Array(steps.dropFirst()), to: value, mark)
        case "count":
            return name(0) == "index" ? Self.plain("0", mark) : AWSValue.unknown("count", at: mark)
        case "each":
            return AWSValue.unknown("each.\(name(0) ?? "") differs per instance", at: mark)
        case "path":
            return Self.string(module.directory, mark)
        case "terraform":
            return Self.string("default", mark)
        case "module":
            return AWSValue.unknown("output of module \(name(0) ?? "")", at: mark)
        case "data":
            guard let type = name(0), let dataName = name(1) else { return AWSValue.unknown("data without a name", at: mark) }
            let address = "\(type).\(dataName)"
            if type == "aws_iam_policy_document", let declared = module.data[address], let attribute = name(2), attribute == "json" || attribute == "minified_json" {
                return PolicyDocumentData.document(declared.block.body, evaluator: &self)
            }
            return AWSValue.unknown("data.\(address) is read at plan time", at: mark)
        default:
            // A resource of the module, or one declared elsewhere (another module, a file not
            // scanned): a reference either way.
            guard let resourceName = name(0), resourceAddresses.contains("\(root).\(resourceName)") || root.contains("_") else {
                return AWSValue.unknown("\(root) cannot be resolved", at: mark)
            }
            var target = "\(root).\(resourceName)"
            for step in steps.dropFirst() {
                if case .attribute(let attribute) = step { target += ".\(attribute)" }
            }
            return AWSValue.reference(target, at: mark)
        }
    }

    private mutating func apply(_ steps: [HCLExpression.Step], to value: YAMLNode, _ mark: Mark) -> YAMLNode {
        var current = value
        for (position, step) in steps.enumerated() {
            if let target = current.referenceTarget {
                var text = target
                for rest in steps[position...] { if case .attribute(let attribute) = rest { text += ".\(attribute)" } }
                return AWSValue.reference(text, at: mark)
            }
            if current.unknownReason != nil { return current }
            switch step {
            case .attribute(let name):
                guard let next = current[name] else { return AWSValue.unknown("no attribute \(name)", at: mark) }
                current = next
            case .index(let expression):
                let key = evaluate(expression)
                if let items = current.items, let index = key.awsInt {
                    guard items.indices.contains(index) else { return AWSValue.unknown("index \(index) out of range", at: mark) }
                    current = items[index]
                } else if let name = key.awsString, let next = current[name] {
                    current = next
                } else {
                    return AWSValue.unknown("an index that cannot be resolved", at: mark)
                }
            case .splat:
                let rest = Array(steps[(position + 1)...])
                let items = current.items ?? (current.isNull ? [] : [current])
                return YAMLNode(.sequence(items.map { apply(rest, to: $0, mark) }), mark: mark)
            }
        }
        return current
    }

    // MARK: blocks

    /// A block body in Terraform's value layout (as `terraform show -json` prints it): attributes
    /// by name, nested blocks as lists of objects; `dynamic` blocks expanded when their `for_each`
    /// resolves. Meta-arguments are left out.
    mutating func value(of body: HCLBody, mark: Mark) -> YAMLNode {
        var pairs: [YAMLPair] = []
        for attribute in body.attributes where !["count", "for_each", "depends_on", "provider"].contains(attribute.name) {
            pairs.append(YAMLPair(key: attribute.name, keyMark: attribute.mark, value: evaluate(attribute.expression)))
        }
        var blockLists: [(String, Mark, [YAMLNode])] = []
        func add(_ type: String, _ mark: Mark, _ node: YAMLNode) {
            if let index = blockLists.firstIndex(where: { $0.0 == type }) { blockLists[index].2.append(node) } else { blockLists.append((type, mark, [node])) }
        }
        for block in body.blocks where block.type != "lifecycle" && block.type != "provisioner" && block.type != "connection" {
            if block.type == "dynamic", let type = block.labels.first {
                let iterator = block.body.attribute("iterator").flatMap { attribute -> String? in
                    if case .variable(let name, _) = attribute.expression { return name }
                    return nil
                } ?? type
                let source = block.body.attribute("for_each").map { evaluate($0.expression) }
                guard let content = block.body.blocks("content").first else { continue }
                var elements: [(YAMLNode, YAMLNode)] = []
                if let items = source?.items {
                    elements = items.enumerated().map { (Self.plain(String($0.offset), block.mark), $0.element) }
                } else if let mapped = source?.pairs {
                    elements = mapped.map { (Self.string($0.key, $0.keyMark), $0.value) }
                } else {
                    add(type, block.mark, AWSValue.unknown("dynamic \"\(type)\" blocks depend on a for_each that cannot be resolved", at: block.mark))
                    continue
                }
                for (key, element) in elements {
                    scopes.append([iterator: YAMLNode(.mapping([YAMLPair(key: "key", keyMark: block.mark, value: key),
                                                                YAMLPair(key: "value", keyMark: block.mark, value: element)]), mark: block.mark)])
                    add(type, block.mark, value(of: content.body, mark: content.mark))
                    scopes.removeLast()
                }
                continue
            }
            add(block.type, block.mark, value(of: block.body, mark: block.mark))
        }
        for (type, blockMark, nodes) in blockLists {
            pairs.append(YAMLPair(key: type, keyMark: blockMark, value: YAMLNode(.sequence(nodes), mark: blockMark)))
        }
        return YAMLNode(.mapping(pairs), mark: mark)
    }

    /// The instances of a resource: one for a plain resource; one per element of a `for_each`
    /// or per `count` when they resolve (each with its `each`/`count` binding and address
    /// suffix); none for `count = 0` or an empty `for_each`. Unresolvable: one instance, whose
    /// `each`/`count` values are unknown.
    mutating func instances(_ body: HCLBody, mark: Mark) -> [(binding: [String: YAMLNode], suffix: String)] {
        func object(_ pairs: [(String, YAMLNode)]) -> YAMLNode {
            YAMLNode(.mapping(pairs.map { YAMLPair(key: $0.0, keyMark: mark, value: $0.1) }), mark: mark)
        }
        if let forEach = body.attribute("for_each") {
            let value = evaluate(forEach.expression)
            if let items = value.items, !Self.isUnknown(value) {
                return items.map { item in
                    let key = Self.templateText(item) ?? "?"
                    return (["each": object([("key", Self.string(key, mark)), ("value", item)])], "[\"\(key)\"]")
                }
            }
            if let pairs = value.pairs {
                return pairs.map { (["each": object([("key", Self.string($0.key, mark)), ("value", $0.value)])], "[\"\($0.key)\"]") }
            }
            return [([:], "")]
        }
        if let count = body.attribute("count") {
            let value = evaluate(count.expression)
            guard let number = value.awsInt, !Self.isUnknown(value) else { return [([:], "")] }
            if number == 1 { return [(["count": object([("index", Self.plain("0", mark))])], "")] }
            return (0..<max(0, min(number, 64))).map { (["count": object([("index", Self.plain(String($0), mark))])], "[\($0)]") }
        }
        return [([:], "")]
    }

    /// Evaluates with extra names bound (an instance's `each` or `count`).
    mutating func with<T>(_ binding: [String: YAMLNode], _ body: (inout TerraformEvaluator) -> T) -> T {
        guard !binding.isEmpty else { return body(&self) }
        scopes.append(binding)
        defer { scopes.removeLast() }
        return body(&self)
    }
}

/// `data "aws_iam_policy_document"`: its statements as an IAM policy document.
enum PolicyDocumentData {
    static func document(_ body: HCLBody, evaluator: inout TerraformEvaluator) -> YAMLNode {
        let tf = evaluator.value(of: body, mark: body.attributes.first?.mark ?? body.blocks.first?.mark ?? Mark(line: 1, column: 1))
        var statements: [YAMLNode] = []
        for statement in tf["statement"]?.items ?? [] {
            var pairs: [YAMLPair] = []
            let mark = statement.mark
            func put(_ key: String, _ value: YAMLNode?) { if let value { pairs.append(YAMLPair(key: key, keyMark: value.mark, value: value)) } }
            put("Sid", statement["sid"])
            put("Effect", statement["effect"] ?? TerraformEvaluator.string("Allow", mark))
            put("Action", statement["actions"])
            put("NotAction", statement["not_actions"])
            put("Resource", statement["resources"])
            put("NotResource", statement["not_resources"])
            for (block, key) in [("principals", "Principal"), ("not_principals", "NotPrincipal")] {
                guard let principals = statement[block]?.items, !principals.isEmpty else { continue }
                var byType: [YAMLPair] = []
                for principal in principals {
                    guard let type = principal["type"]?.awsString, let identifiers = principal["identifiers"] else { continue }
                    if type == "*" {
                        byType.append(YAMLPair(key: "AWS", keyMark: principal.mark, value: TerraformEvaluator.string("*", principal.mark)))
                    } else {
                        byType.append(YAMLPair(key: type, keyMark: principal.mark, value: identifiers))
                    }
                }
                put(key, YAMLNode(.mapping(byType), mark: mark))
            }
            if let conditions = statement["condition"]?.items, !conditions.isEmpty {
                var byTest: [YAMLPair] = []
                for condition in conditions {
                    guard let test = condition["test"]?.awsString, let variable = condition["variable"]?.awsString, let values = condition["values"] else { continue }
                    let entry = YAMLPair(key: variable, keyMark: condition.mark, value: values)
                    if let index = byTest.firstIndex(where: { $0.key == test }), case .mapping(var existing) = byTest[index].value.content {
                        existing.append(entry)
                        byTest[index].value = YAMLNode(.mapping(existing), mark: byTest[index].value.mark)
                    } else {
                        byTest.append(YAMLPair(key: test, keyMark: condition.mark, value: YAMLNode(.mapping([entry]), mark: condition.mark)))
                    }
                }
                put("Condition", YAMLNode(.mapping(byTest), mark: mark))
            }
            statements.append(YAMLNode(.mapping(pairs), mark: mark))
        }
        return YAMLNode(.mapping([YAMLPair(key: "Statement", keyMark: tf.mark, value: YAMLNode(.sequence(statements), mark: tf.mark))]), mark: tf.mark)
    }
}
