/// Identity of a Kubernetes object as people write it: `Deployment prod/web`.
public struct ResourceRef: Sendable, Hashable, Codable, CustomStringConvertible {
    public var apiVersion: String
    public var kind: String
    public var namespace: String?
    public var name: String

    public init(apiVersion: String, kind: String, namespace: String?, name: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    public var description: String {
        if let namespace { return "\(kind) \(namespace)/\(name)" }
        return "\(kind) \(name)"
    }
}

/// One object read from the input, with its whole positioned tree.
public struct Resource: Sendable {
    public var ref: ResourceRef
    public var labels: [String: String]
    public var annotations: [String: String]
    public var node: YAMLNode
    public var file: String
    /// Index of the document in its file.
    public var documentIndex: Int
    /// For members of a `kind: List`, their position in `items`.
    public var listIndex: Int?

    public init(ref: ResourceRef, labels: [String: String], annotations: [String: String], node: YAMLNode,
                file: String, documentIndex: Int, listIndex: Int? = nil) {
        self.ref = ref
        self.labels = labels
        self.annotations = annotations
        self.node = node
        self.file = file
        self.documentIndex = documentIndex
        self.listIndex = listIndex
    }

    public var kind: String { ref.kind }
    public var name: String { ref.name }
    public var namespace: String? { ref.namespace }

    /// The API group of `apiVersion` ("" for the core group).
    public var group: String {
        let parts = ref.apiVersion.split(separator: "/", maxSplits: 1)
        return parts.count == 2 ? String(parts[0]) : ""
    }

}

/// Turns documents into resources: unwraps `kind: List` and every `*List` kind, reads the
/// identity and metadata, and reports objects whose metadata has the wrong shape.
public enum ResourceExtractor {
    public struct Output: Sendable {
        public var resources: [Resource] = []
        public var diagnostics: [Diagnostic] = []
        /// Documents that are not Kubernetes objects (no `kind`/`apiVersion`), e.g. a values file.
        public var notObjects = 0
    }

    public static func extract(_ documents: [YAMLDocument], file: String) -> Output {
        var output = Output()
        for document in documents {
            extract(document, file: file, into: &output)
        }
        return output
    }

    public static func extract(_ document: YAMLDocument, file: String, into output: inout Output) {
        extract(document.root, file: file, documentIndex: document.index, listIndex: nil, into: &output)
    }

    private static func extract(_ node: YAMLNode, file: String, documentIndex: Int, listIndex: Int?, into output: inout Output) {
        if node.isNull { return } // an empty document
        guard node.isMapping else {
            output.notObjects += 1
            return
        }
        guard let kind = node["kind"]?.string, let apiVersion = node["apiVersion"]?.string else {
            output.notObjects += 1
            return
        }
        if kind == "List" || (kind.hasSuffix("List") && node["items"] != nil) {
            guard let itemsNode = node["items"] else { return }
            guard let items = itemsNode.items else {
                if !itemsNode.isNull {
                    output.diagnostics.append(Diagnostic(file: file, line: itemsNode.mark.line, column: itemsNode.mark.column,
                                                         field: "items", message: "expected a list, found \(itemsNode.typeName)"))
                }
                return
            }
            for (index, item) in items.enumerated() {
                extract(item, file: file, documentIndex: documentIndex, listIndex: index, into: &output)
            }
            return
        }
        var name = ""
        var namespace: String?
        var labels: [String: String] = [:]
        var annotations: [String: String] = [:]
        if let metadata = node["metadata"] {
            if metadata.isMapping {
                name = metadata["name"]?.string ?? metadata["generateName"]?.string ?? ""
                namespace = metadata["namespace"]?.string
                labels = stringMap(metadata["labels"], field: "metadata.labels", file: file, into: &output)
                annotations = stringMap(metadata["annotations"], field: "metadata.annotations", file: file, into: &output)
            } else if !metadata.isNull {
                output.diagnostics.append(Diagnostic(file: file, line: metadata.mark.line, column: metadata.mark.column,
                                                     field: "metadata", message: "expected a mapping, found \(metadata.typeName)"))
            }
        }
        let ref = ResourceRef(apiVersion: apiVersion, kind: kind, namespace: namespace, name: name)
        output.resources.append(Resource(ref: ref, labels: labels, annotations: annotations, node: node, file: file,
                                         documentIndex: documentIndex, listIndex: listIndex))
    }

    /// Reads a `map[string]string` (labels, annotations). Non-string values are reported.
    public static func stringMap(_ node: YAMLNode?, field: String, file: String, into output: inout Output) -> [String: String] {
        guard let node, !node.isNull else { return [:] }
        guard let pairs = node.pairs else {
            output.diagnostics.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column,
                                                 field: field, message: "expected a mapping of strings, found \(node.typeName)"))
            return [:]
        }
        var map: [String: String] = [:]
        for pair in pairs {
            if let scalar = pair.value.scalar {
                // Kubernetes rejects unquoted `true`/numbers in labels; we read their text but say so.
                if scalar.style == .plain && (scalar.bool != nil || scalar.int != nil) {
                    output.diagnostics.append(Diagnostic(level: .warning, file: file, line: pair.value.mark.line,
                                                         column: pair.value.mark.column, field: "\(field).\(pair.key)",
                                                         message: "value \(scalar.value) is not a string; quote it (the API server rejects it)"))
                }
                map[pair.key] = scalar.isNull ? "" : scalar.value
            } else {
                output.diagnostics.append(Diagnostic(file: file, line: pair.value.mark.line, column: pair.value.mark.column,
                                                     field: "\(field).\(pair.key)", message: "expected a string, found \(pair.value.typeName)"))
            }
        }
        return map
    }
}
