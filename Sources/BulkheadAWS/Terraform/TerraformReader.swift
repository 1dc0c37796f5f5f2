import BulkheadCore
import Foundation

/// Reads Terraform into the normalized model: the `.tf` files of a directory as one module
/// (variables with their defaults, overridden by `terraform.tfvars` and `*.auto.tfvars` beside
/// them), or a plan (`terraform show -json`). Remote modules are reported as not evaluated.
public enum TerraformReader {
    public struct Output: Sendable {
        public var resources: [AWSResource] = []
        public var diagnostics: [Diagnostic] = []
    }

    /// One module from the text of its `.tf` files (tests, and any caller without the format).
    public static func readModule(directory: String, files: [(name: String, text: String)], context: ReadContext = ReadContext()) -> Output {
        var diagnostics: [Diagnostic] = []
        var parsed: [(name: String, body: HCLBody)] = []
        for file in files {
            switch parse(file.text, file: file.name) {
            case .success(let body): parsed.append((file.name, body))
            case .failure(let diagnostic): diagnostics.append(diagnostic)
            }
        }
        var output = readModule(directory: directory, parsed: parsed, context: context)
        output.diagnostics = diagnostics + output.diagnostics
        return output
    }

    static func parse(_ text: String, file: String) -> Result<HCLBody, Diagnostic> {
        HCLParser.parse(text).mapError { error in
            Diagnostic(file: file, line: error.mark.line, column: error.mark.column, message: "HCL syntax error: \(error.message)")
        }
    }

    /// One module: its `.tf` files (name and parsed body), all from one directory. The tfvars
    /// beside them are read through `context`'s guarded reader.
    static func readModule(directory: String, parsed files: [(name: String, body: HCLBody)], context: ReadContext = ReadContext()) -> Output {
        var output = Output()
        var module = TerraformModule(directory: directory)
        module.context = context
        for file in files { module.add(file.body, file: file.name) }
        // Variable values from tfvars files beside the module (not scanned inputs themselves).
        let tfvars = (try? FileManager.default.contentsOfDirectory(atPath: directory))?.filter {
            $0 == "terraform.tfvars" || $0.hasSuffix(".auto.tfvars")
        }.sorted() ?? []
        var evaluator = TerraformEvaluator(module: module)
        for name in tfvars {
            let path = (directory as NSString).appendingPathComponent(name)
            let text: String
            switch context.readText(path) {
            case .failure(let diagnostic):
                output.diagnostics.append(diagnostic)
                continue
            case .success(let read):
                text = read
            }
            switch HCLParser.parse(text) {
            case .failure(let error):
                // The variables it sets are unknown now: an error, not a silent fallback to defaults.
                output.diagnostics.append(Diagnostic(file: path, line: error.mark.line, column: error.mark.column,
                                                     message: "HCL syntax error: \(error.message) (its variable values are not used)"))
            case .success(let body):
                for attribute in body.attributes { module.variableValues[attribute.name] = evaluator.evaluate(attribute.expression) }
            }
        }
        evaluator = TerraformEvaluator(module: module)

        for call in module.modules {
            let source = call.block.body.attribute("source").map { evaluator.evaluate($0.expression).awsString ?? "" } ?? ""
            if !(source.hasPrefix("./") || source.hasPrefix("../")) {
                output.diagnostics.append(Diagnostic(level: .warning, file: call.file, line: call.block.mark.line, column: call.block.mark.column,
                                                     field: "module.\(call.name)",
                                                     message: "module source \(source) is not present locally: its resources are not evaluated"))
            }
        }
        var attachments: [(scope: String, target: YAMLNode?, type: String, apply: @Sendable (YAMLNode) -> YAMLNode)] = []
        for declared in module.resources {
            for instance in evaluator.instances(declared.block.body, mark: declared.block.mark) {
                let values = evaluator.with(instance.binding) { $0.value(of: declared.block.body, mark: declared.block.mark) }
                let address = declared.address + instance.suffix
                add(TerraformMapping.map(type: declared.type, address: address, values), address: address, file: declared.file,
                    mark: declared.block.mark, scope: directory, into: &output.resources, attachments: &attachments)
            }
        }
        TerraformMapping.resolve(&output.resources, attachments: attachments)
        return output
    }

    static func add(_ mapped: TerraformMapping.Mapped?, address: String, file: String, mark: Mark, scope: String,
                    into resources: inout [AWSResource],
                    attachments: inout [(scope: String, target: YAMLNode?, type: String, apply: @Sendable (YAMLNode) -> YAMLNode)]) {
        switch mapped {
        case .resource(let type, let properties, let extra)?:
            resources.append(AWSResource(type: type, id: address, properties: properties, file: file, mark: mark, origin: .terraform, scope: scope))
            for item in extra {
                resources.append(AWSResource(type: item.type, id: item.id, properties: item.properties, file: file, mark: item.properties.mark,
                                             origin: .terraform, scope: scope))
            }
        case .attachment(let target, let type, let apply)?:
            attachments.append((scope, target, type, apply))
        case nil:
            break
        }
    }

    /// The managed resources of a plan's `planned_values`, with values known only after apply
    /// (`after_unknown`) unknown, and references taken from the plan's configuration.
    public static func readPlan(_ root: YAMLNode, file: String) -> Output {
        var output = Output()
        var unknownByAddress: [String: YAMLNode] = [:]
        for change in root["resource_changes"]?.items ?? [] {
            if let address = change["address"]?.awsString, let unknown = change["change"]?["after_unknown"] { unknownByAddress[address] = unknown }
        }
        var referencesByAddress: [String: [String: String]] = [:]
        func configuration(_ module: YAMLNode?, prefix: String) {
            for resource in module?["resources"]?.items ?? [] {
                guard let address = resource["address"]?.awsString else { continue }
                var references: [String: String] = [:]
                for pair in resource["expressions"]?.pairs ?? [] {
                    if let first = pair.value["references"]?.items?.last?.awsString { references[pair.key] = first }
                }
                referencesByAddress[prefix + address] = references
            }
            for call in module?["module_calls"]?.pairs ?? [] {
                configuration(call.value["module"], prefix: prefix + "module.\(call.key).")
            }
        }
        configuration(root["configuration"]?["root_module"], prefix: "")

        var attachments: [(scope: String, target: YAMLNode?, type: String, apply: @Sendable (YAMLNode) -> YAMLNode)] = []
        func visit(_ module: YAMLNode?) {
            for resource in module?["resources"]?.items ?? [] {
                guard resource["mode"]?.awsString != "data", let type = resource["type"]?.awsString,
                      let address = resource["address"]?.awsString else { continue }
                var values = resource["values"] ?? YAMLNode(.mapping([]), mark: resource.mark)
                values = known(values, unknown: unknownByAddress[address], references: referencesByAddress[address] ?? [:])
                add(TerraformMapping.map(type: type, address: address, values), address: address, file: file, mark: resource.mark,
                    scope: file, into: &output.resources, attachments: &attachments)
            }
            for child in module?["child_modules"]?.items ?? [] { visit(child) }
        }
        visit(root["planned_values"]?["root_module"])
        TerraformMapping.resolve(&output.resources, attachments: attachments)
        return output
    }

    /// The values of a planned resource with what is known only after apply (`after_unknown`,
    /// at any depth) unknown, or a reference where the configuration says to what.
    static func known(_ values: YAMLNode, unknown: YAMLNode?, references: [String: String]) -> YAMLNode {
        var merged = merge(values, unknown: unknown, mark: values.mark)
        var pairs = merged.pairs ?? []
        for (key, reference) in references {
            let node = AWSValue.reference(reference, at: values.mark)
            if let index = pairs.firstIndex(where: { $0.key == key }) {
                if pairs[index].value.unknownReason != nil { pairs[index].value = node }
            } else {
                pairs.append(YAMLPair(key: key, keyMark: values.mark, value: node))
            }
        }
        merged.content = .mapping(pairs)
        return merged
    }

    private static func merge(_ value: YAMLNode?, unknown: YAMLNode?, mark: Mark) -> YAMLNode {
        let base = value ?? YAMLNode(.mapping([]), mark: mark)
        guard let unknown else { return base }
        if unknown.awsBool == true { return AWSValue.unknown("known only after apply", at: base.mark) }
        if let unknownPairs = unknown.pairs {
            var pairs = base.pairs ?? []
            for pair in unknownPairs {
                if let index = pairs.firstIndex(where: { $0.key == pair.key }) {
                    pairs[index].value = merge(pairs[index].value, unknown: pair.value, mark: base.mark)
                } else if pair.value.awsBool == true || pair.value.isMapping || pair.value.isSequence {
                    let merged = merge(nil, unknown: pair.value, mark: base.mark)
                    if merged.unknownReason != nil || !(merged.pairs?.isEmpty ?? true) || !(merged.items?.isEmpty ?? true) {
                        pairs.append(YAMLPair(key: pair.key, keyMark: base.mark, value: merged))
                    }
                }
            }
            return YAMLNode(.mapping(pairs), mark: base.mark)
        }
        if let unknownItems = unknown.items, var items = base.items {
            for (index, item) in unknownItems.enumerated() where items.indices.contains(index) {
                items[index] = merge(items[index], unknown: item, mark: base.mark)
            }
            return YAMLNode(.sequence(items), mark: base.mark)
        }
        return base
    }
}
