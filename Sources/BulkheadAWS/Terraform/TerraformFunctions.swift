import BulkheadCore
import Foundation

/// The Terraform functions that shape security settings, evaluated statically. Any other function
/// (or one whose arguments are unknown) gives an unknown value, never a guess.
enum TerraformFunctions {
    typealias E = TerraformEvaluator

    static func call(_ name: String, _ arguments: [YAMLNode], _ mark: Mark, directory: String, context: ReadContext) -> YAMLNode {
        let passThrough: Set<String> = ["tolist", "toset", "tomap", "tostring", "tonumber", "tobool", "sensitive", "nonsensitive", "jsonencode", "yamlencode"]
        if passThrough.contains(name), let value = arguments.first {
            // jsonencode keeps the structure: a policy document reads the same either way.
            return value
        }
        if name == "try" {
            return arguments.first { !E.isUnknown($0) } ?? AWSValue.unknown("try(): no argument can be resolved", at: mark)
        }
        if name == "coalesce" {
            return arguments.first { !$0.isNull && $0.awsString != "" } ?? E.null(mark)
        }
        if let unknown = arguments.first(where: { $0.unknownReason != nil }) {
            return AWSValue.unknown("\(name)(): \(unknown.unknownReason ?? "")", at: mark)
        }
        func text(_ index: Int) -> String? {
            guard arguments.indices.contains(index) else { return nil }
            return E.templateText(arguments[index])
        }
        func list(_ index: Int) -> [YAMLNode]? {
            guard arguments.indices.contains(index) else { return nil }
            return arguments[index].items
        }
        switch name {
        case "jsondecode", "yamldecode":
            guard let source = text(0) else { break }
            let loaded = YAMLLoader().load(source, file: "\(name)()")
            guard var root = loaded.documents.first?.root, loaded.diagnostics.isEmpty else { return AWSValue.unknown("\(name)(): not valid", at: mark) }
            root.mark = mark
            return root
        case "file":
            guard let path = text(0) else { break }
            let resolved = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
            // Through the guarded reader, as every input: size cap, FIFOs, devices and binary content refused.
            switch context.readText(resolved) {
            case .success(let contents): return E.string(contents, mark)
            case .failure(let diagnostic): return AWSValue.unknown("file(\(path)) cannot be read: \(diagnostic.message)", at: mark)
            }
        case "format":
            guard var format = text(0) else { break }
            var out = ""
            var argument = 1
            while let percent = format.firstIndex(of: "%") {
                out += format[..<percent]
                let next = format.index(after: percent)
                guard next < format.endIndex else { break }
                if format[next] == "%" {
                    out += "%"
                } else {
                    guard let value = text(argument) else { return AWSValue.unknown("format(): argument \(argument)", at: mark) }
                    out += value
                    argument += 1
                }
                format = String(format[format.index(after: next)...])
            }
            return E.string(out + format, mark)
        case "join":
            guard let separator = text(0), let items = list(1) else { break }
            let parts = items.compactMap(E.templateText)
            guard parts.count == items.count else { break }
            return E.string(parts.joined(separator: separator), mark)
        case "split":
            guard let separator = text(0), let source = text(1), !separator.isEmpty else { break }
            return YAMLNode(.sequence(source.components(separatedBy: separator).map { E.string($0, mark) }), mark: mark)
        case "concat":
            var items: [YAMLNode] = []
            for argument in arguments {
                guard let part = argument.items else { return AWSValue.unknown("concat() of \(argument.typeName)", at: mark) }
                items += part
            }
            return YAMLNode(.sequence(items), mark: mark)
        case "merge":
            var pairs: [YAMLPair] = []
            for argument in arguments where !argument.isNull {
                guard let part = argument.pairs else { return AWSValue.unknown("merge() of \(argument.typeName)", at: mark) }
                for pair in part {
                    if let index = pairs.firstIndex(where: { $0.key == pair.key }) { pairs[index] = pair } else { pairs.append(pair) }
                }
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        case "lookup":
            guard arguments.count >= 2, let key = text(1) else { break }
            if let value = arguments[0][key] { return value }
            return arguments.count >= 3 ? arguments[2] : AWSValue.unknown("lookup(): no key \(key)", at: mark)
        case "element":
            guard let items = list(0), !items.isEmpty, let index = arguments.count > 1 ? arguments[1].awsInt : nil else { break }
            return items[index % items.count]
        case "one":
            guard let items = list(0) else { break }
            return items.first ?? E.null(mark)
        case "length":
            if let items = list(0) { return E.plain(String(items.count), mark) }
            if let pairs = arguments.first?.pairs { return E.plain(String(pairs.count), mark) }
            if let value = text(0) { return E.plain(String(value.count), mark) }
        case "lower": if let value = text(0) { return E.string(value.lowercased(), mark) }
        case "upper": if let value = text(0) { return E.string(value.uppercased(), mark) }
        case "trimspace": if let value = text(0) { return E.string(value.trimmingCharacters(in: .whitespacesAndNewlines), mark) }
        case "trimprefix":
            if let value = text(0), let prefix = text(1) { return E.string(value.hasPrefix(prefix) ? String(value.dropFirst(prefix.count)) : value, mark) }
        case "trimsuffix":
            if let value = text(0), let suffix = text(1) { return E.string(value.hasSuffix(suffix) ? String(value.dropLast(suffix.count)) : value, mark) }
        case "replace":
            if let value = text(0), let search = text(1), let replacement = text(2), !search.hasPrefix("/") {
                return E.string(value.replacingOccurrences(of: search, with: replacement), mark)
            }
        case "startswith": if let value = text(0), let prefix = text(1) { return E.bool(value.hasPrefix(prefix), mark) }
        case "endswith": if let value = text(0), let suffix = text(1) { return E.bool(value.hasSuffix(suffix), mark) }
        case "contains":
            guard let items = list(0), arguments.count > 1 else { break }
            var wanted = ""
            E.canonical(arguments[1], into: &wanted)
            return E.bool(items.contains { var text = ""; E.canonical($0, into: &text); return text == wanted }, mark)
        case "keys":
            guard let pairs = arguments.first?.pairs else { break }
            return YAMLNode(.sequence(pairs.map { E.string($0.key, $0.keyMark) }), mark: mark)
        case "values":
            guard let pairs = arguments.first?.pairs else { break }
            return YAMLNode(.sequence(pairs.map(\.value)), mark: mark)
        case "flatten":
            func flatten(_ node: YAMLNode) -> [YAMLNode] { node.items.map { $0.flatMap(flatten) } ?? [node] }
            guard let items = list(0) else { break }
            return YAMLNode(.sequence(items.flatMap(flatten)), mark: mark)
        case "compact":
            guard let items = list(0) else { break }
            return YAMLNode(.sequence(items.filter { !$0.isNull && $0.awsString != "" }), mark: mark)
        case "distinct":
            guard let items = list(0) else { break }
            var seen: Set<String> = []
            return YAMLNode(.sequence(items.filter { var key = ""; E.canonical($0, into: &key); return seen.insert(key).inserted }), mark: mark)
        case "zipmap":
            guard let keys = list(0), let values = list(1), keys.count == values.count else { break }
            var pairs: [YAMLPair] = []
            for (key, value) in zip(keys, values) {
                guard let name = key.awsString else { return AWSValue.unknown("zipmap() key", at: mark) }
                pairs.append(YAMLPair(key: name, keyMark: key.mark, value: value))
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        case "max", "min":
            let numbers = arguments.compactMap(E.number)
            guard numbers.count == arguments.count, let first = numbers.first else { break }
            return E.format(numbers.dropFirst().reduce(first) { name == "max" ? max($0, $1) : min($0, $1) }, mark)
        default:
            break
        }
        if arguments.contains(where: { $0.referenceTarget != nil }) {
            return AWSValue.unknown("\(name)() of a value known only after apply", at: mark)
        }
        return AWSValue.unknown("\(name)() is not evaluated statically", at: mark)
    }
}
