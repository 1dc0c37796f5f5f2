import BulkheadCore

/// Where an image's findings point when the image was written as YAML (`kind: ImageDescription`):
/// the document's file, the object, and the marks of its fields.
public struct DescribedImage: Sendable {
    public var file: String
    public var ref: ResourceRef
    public var marks: [String: Mark]
    public var root: Mark
}

/// An image written as a YAML document, Bulkhead's own kind: its configuration (the OCI config's
/// `config` object), its history, and layers listing files with their modes and contents.
/// It is how the image checks' examples are written and proven, and how a policy can be tried on an
/// image without building one; it yields the same `ContainerImage` a real image does.
///
/// ```yaml
/// apiVersion: bulkhead.io/v1
/// kind: ImageDescription
/// metadata: {name: app}
/// config: {User: "1000", Env: ["PATH=/usr/bin"], ExposedPorts: {"8080/tcp": {}}}
/// history: [{created_by: "COPY app /app"}]
/// layers:
/// - files:
///   - {path: etc/os-release, content: "ID=debian\nVERSION_ID=\"12\"\n"}
///   - {path: usr/bin/tool, mode: "4755", size: 1024}
/// ```
public struct ImageDescriptionFormat: InputFormat {
    public var name: String { "image description" }

    public init() {}

    public func claims(document: YAMLNode) -> Bool {
        document["kind"]?.string == "ImageDescription" && (document["apiVersion"]?.string?.hasPrefix("bulkhead.io/") ?? false)
    }

    public func read(document: YAMLDocument, file: String, context: ReadContext) -> InputRead {
        let root = document.root
        var diagnostics: [Diagnostic] = []
        let name = root["metadata"]?["name"]?.string ?? "image"
        let ref = ResourceRef(apiVersion: root["apiVersion"]?.string ?? "bulkhead.io/v1", kind: "ImageDescription", namespace: nil, name: name)
        var marks: [String: Mark] = [:]
        func walk(_ node: YAMLNode, _ path: String) {
            marks[path] = node.mark
            switch node.content {
            case .mapping(let pairs):
                for pair in pairs {
                    let child = path.isEmpty ? pair.key : "\(path).\(pair.key)"
                    walk(pair.value, child)
                }
            case .sequence(let items):
                for (index, item) in items.enumerated() { walk(item, "\(path)[\(index)]") }
            case .scalar:
                break
            }
        }
        walk(root, "")
        var config = ImageConfig(node: YAMLNode(.mapping([YAMLPair(key: "config", keyMark: root.mark, value: root["config"] ?? YAMLNode(.mapping([]), mark: root.mark)),
                                                         YAMLPair(key: "history", keyMark: root.mark, value: root["history"] ?? YAMLNode(.sequence([]), mark: root.mark))]),
                                                mark: root.mark))
        config.os = "linux"
        var indexes: [LayerIndex] = []
        var layers: [ImageLayer] = []
        var fieldPaths: [String: String] = [:]
        for (number, layerNode) in (root["layers"]?.items ?? []).enumerated() {
            var index = LayerIndex()
            for (position, fileNode) in (layerNode["files"]?.items ?? []).enumerated() {
                guard let rawPath = fileNode["path"]?.string, let path = ImagePath.normalize(rawPath), !path.isEmpty else {
                    diagnostics.append(Diagnostic(file: file, line: fileNode.mark.line, column: fileNode.mark.column,
                                                  field: "layers[\(number)].files[\(position)].path", message: "a file without a path inside the image"))
                    continue
                }
                let modeText = fileNode["mode"]?.string ?? "0644"
                guard let mode = UInt32(modeText, radix: 8) else {
                    diagnostics.append(Diagnostic(file: file, line: fileNode.mark.line, column: fileNode.mark.column,
                                                  field: "layers[\(number)].files[\(position)].mode", message: "mode \(modeText) is not octal"))
                    continue
                }
                if ImagePath.base(path).hasPrefix(".wh.") {
                    let hidden = String(ImagePath.base(path).dropFirst(4))
                    let parent = ImagePath.parent(path)
                    index.whiteouts.append(parent.isEmpty ? hidden : parent + "/" + hidden)
                    continue
                }
                let content = fileNode["content"]?.string
                let link = fileNode["link"]?.string
                let bytes = content.map { Array($0.utf8) }
                let kind: TarEntry.Kind = link != nil ? .symbolicLink : (fileNode["directory"]?.bool == true ? .directory : .file)
                let size = bytes?.count ?? fileNode["size"]?.int ?? 0
                index.files.append(FileRecord(path: path, kind: kind, mode: mode & 0o7777, uid: fileNode["uid"]?.int ?? 0, size: size,
                                              linkTarget: link ?? "", layer: number))
                if let bytes, kind == .file, PackageCatalog.interest(path, bytes.count, mode) != .none { index.captured[path] = bytes }
                fieldPaths["\(number):\(path)"] = "layers[\(number)].files[\(position)]"
            }
            indexes.append(index)
            layers.append(ImageLayer(digest: nil, diffID: nil, mediaType: nil, createdBy: layerNode["created_by"]?.string))
        }
        var image = ContainerImage(name: name, digest: nil, config: config, layers: layers, tree: FileTree(layers: indexes),
                                   layerIndexes: indexes, diagnostics: diagnostics)
        image.described = DescribedImage(file: file, ref: ref, marks: marks, root: root.mark)
        image.describedFiles = fieldPaths
        for (position, record) in (root["advisories"]?.items ?? []).enumerated() {
            do {
                if let advisory = try AdvisoryParser.osv(record, file: file) { image.bundledAdvisories.append(advisory) }
            } catch {
                diagnostics.append(Diagnostic(file: file, line: record.mark.line, column: record.mark.column, field: "advisories[\(position)]",
                                              message: String(describing: error)))
            }
        }
        let resource = Resource(ref: ref, labels: [:], annotations: root["metadata"]?["annotations"]?.pairs?.reduce(into: [String: String]()) { $0[$1.key] = $1.value.string ?? "" } ?? [:],
                                node: root, file: file, documentIndex: document.index)
        var read = InputRead()
        read.resources = [resource]
        read.models = [image]
        read.diagnostics = diagnostics
        return read
    }
}
