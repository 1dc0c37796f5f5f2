import BulkheadCore

/// An image as Bulkhead reads it: where it came from, its configuration, its layers, the file
/// system they make, and what the package readers need of its files. Produced by `ImageReader`
/// from every kind of image input; the checks, the SBOM and the vulnerability matcher read only this.
public struct ContainerImage: InputModel, Sendable {
    /// What the user named: a path or a registry reference.
    public var name: String
    /// The manifest digest, when the image has a manifest (not an unpacked root file system).
    public var digest: String?
    public var config: ImageConfig
    public var layers: [ImageLayer]
    public var tree: FileTree
    /// Per layer, the files of interest as that layer wrote them (package databases, lock files,
    /// candidate credential files) and Go build information.
    public var layerIndexes: [LayerIndex]
    /// What could not be read or applied (named by place); the rest is still judged.
    public var diagnostics: [Diagnostic]
    /// Set when the image was written as YAML (`ImageDescriptionFormat`): findings point into it.
    public var described: DescribedImage?
    /// For a described image: `layer:path` → the field path of the file's entry.
    public var describedFiles: [String: String] = [:]
    /// Advisories a description brings along (OSV records), matched as the database's are.
    public var bundledAdvisories: [Advisory] = []
    /// Set when the image is known only by its SBOM: its packages, and nothing of its configuration or files.
    public var sbomInventory: PackageInventory?

    /// An image known only by its SBOM (`image scan --sbom`).
    public static func fromSBOM(_ inventory: PackageInventory, file: String) -> ContainerImage {
        var image = ContainerImage(name: file, digest: nil, config: ImageConfig(), layers: [], tree: FileTree(layers: []), layerIndexes: [],
                                   diagnostics: inventory.problems.map { Diagnostic(level: .warning, file: file, message: $0) })
        image.sbomInventory = inventory
        return image
    }

    public init(name: String, digest: String?, config: ImageConfig, layers: [ImageLayer], tree: FileTree,
                layerIndexes: [LayerIndex], diagnostics: [Diagnostic]) {
        self.name = name
        self.digest = digest
        self.config = config
        self.layers = layers
        self.tree = tree
        self.layerIndexes = layerIndexes
        self.diagnostics = diagnostics
    }

    /// What the image's findings are about: the described object, or the image itself.
    public var ref: ResourceRef {
        described?.ref ?? ResourceRef(apiVersion: "oci", kind: "Image", namespace: nil, name: reference)
    }

    /// The contents of a file of interest as the container sees it (symbolic links followed).
    public func contents(_ path: String) -> [UInt8]? {
        guard let resolved = tree.resolve(path), let record = tree.files[resolved],
              layerIndexes.indices.contains(record.layer) else { return nil }
        return layerIndexes[record.layer].captured[resolved]
    }

    /// `name@digest`, the prefix of every location in the image.
    public var reference: String {
        guard let digest else { return name }
        return name.contains("@") ? name : "\(name)@\(digest)"
    }

    /// Where a finding in the image points: the layer and path (and line in the file); for a
    /// described image, the field in its YAML.
    public func location(layer: Int?, path: String?, line: Int = 0, field: String) -> SourceLocation {
        if let described {
            var key = field
            while !key.isEmpty, described.marks[key] == nil {
                key = String(key[key.startIndex..<(key.lastIndex(where: { $0 == "." || $0 == "[" }) ?? key.startIndex)])
            }
            return SourceLocation(file: described.file, mark: described.marks[key] ?? described.root)
        }
        var text = reference
        if let layer, layers.indices.contains(layer) { text += ":" + (layers[layer].diffID ?? layers[layer].digest ?? "layer\(layer)") }
        if let path { text += "/" + path }
        return SourceLocation(file: text, line: line, column: line > 0 ? 1 : 0)
    }
}

public struct ImageLayer: Sendable, Hashable {
    /// The compressed blob's digest (from the manifest); nil for an unpacked root file system.
    public var digest: String?
    /// The uncompressed tar's digest.
    public var diffID: String?
    public var mediaType: String?
    /// The history entry that made it (`COPY . /app`), when the config says.
    public var createdBy: String?
}

/// The parts of an OCI / Docker image configuration the checks read.
public struct ImageConfig: Sendable {
    public struct HistoryEntry: Sendable, Hashable {
        public var createdBy: String
        public var emptyLayer: Bool
        public var created: String?
    }

    public var os: String?
    public var architecture: String?
    public var variant: String?
    public var created: String?
    public var user: String?
    public var env: [String] = []
    public var labels: [(key: String, value: String)] = []
    public var exposedPorts: [String] = []
    public var entrypoint: [String] = []
    public var cmd: [String] = []
    public var workingDir: String?
    public var diffIDs: [String] = []
    public var history: [HistoryEntry] = []
    public var healthcheck: [String]?

    public init() {}

    public init(node: YAMLNode) {
        os = node["os"]?.string
        architecture = node["architecture"]?.string
        variant = node["variant"]?.string
        created = node["created"]?.string
        let config = node["config"] ?? node["container_config"]
        user = config?["User"]?.string
        env = config?["Env"]?.items?.compactMap(\.string) ?? []
        labels = config?["Labels"]?.pairs?.compactMap { pair in pair.value.string.map { (pair.key, $0) } } ?? []
        exposedPorts = config?["ExposedPorts"]?.pairs?.map(\.key) ?? []
        entrypoint = config?["Entrypoint"]?.items?.compactMap(\.string) ?? []
        cmd = config?["Cmd"]?.items?.compactMap(\.string) ?? []
        workingDir = config?["WorkingDir"]?.string
        healthcheck = config?["Healthcheck"]?["Test"]?.items?.compactMap(\.string)
        diffIDs = node["rootfs"]?["diff_ids"]?.items?.compactMap(\.string) ?? []
        history = node["history"]?.items?.map { entry in
            HistoryEntry(createdBy: entry["created_by"]?.string ?? "", emptyLayer: entry["empty_layer"]?.bool ?? false,
                         created: entry["created"]?.string)
        } ?? []
    }

    /// The history entries that made a layer, in layer order (empty layers left out).
    public var layerHistory: [HistoryEntry] { history.filter { !$0.emptyLayer } }
}
