import BulkheadCore
#if canImport(Glibc)
import Glibc
#endif

/// Opens an image from what a user has on disk — an OCI image layout (directory, or tarred as
/// `oci-archive`), a `docker save` archive (`.tar`, `.tar.gz`, new and old style), or an unpacked
/// root file system — into one `ContainerImage`. Archives are read in one pass as streams: the
/// JSON documents are kept, every layer blob is decompressed and indexed as it goes by (only the
/// files the package readers and checks want are kept), and every blob is checked against its
/// digest. A blob whose bytes do not match its digest, or a manifest naming a blob that is not
/// there, refuses the image; entries that cannot be applied are diagnostics.
public struct ImageReader: Sendable {
    public struct Options: Sendable {
        /// `linux/amd64`, `linux/arm64/v8`: which image of a multi-platform index.
        public var platform: String?
        /// The most bytes one layer may expand to (a gzip bomb stops here).
        public var maxLayerBytes: Int
        /// The largest JSON document (index, manifest, config) read.
        public var maxDocumentBytes: Int

        public init(platform: String? = nil, maxLayerBytes: Int = 8 << 30, maxDocumentBytes: Int = 8 << 20) {
            self.platform = platform
            self.maxLayerBytes = maxLayerBytes
            self.maxDocumentBytes = maxDocumentBytes
        }
    }

    public var options: Options
    public var interest: @Sendable (String, Int, UInt32) -> Interest

    public init(options: Options = Options(), interest: @escaping @Sendable (String, Int, UInt32) -> Interest = PackageCatalog.interest) {
        self.options = options
        self.interest = interest
    }

    public func read(path: String) throws -> ContainerImage {
        var status = stat()
        guard stat(path, &status) == 0 else { throw ArchiveError(path, "cannot open: \(String(cString: strerror(errno)))") }
        if (status.st_mode & S_IFMT) == S_IFDIR {
            if access(path + "/index.json", F_OK) == 0 || access(path + "/oci-layout", F_OK) == 0 {
                return try readLayout(directory: path)
            }
            if access(path + "/manifest.json", F_OK) == 0 {
                throw ArchiveError(path, "an unpacked docker archive: give the .tar itself, or the image's root file system")
            }
            return try readRootFileSystem(path)
        }
        let file = try FileStream(path: path)
        let head = try file.read(upTo: 512)
        let outer: any ByteStream
        switch BlobKind.sniff(head) {
        case .gzip:
            outer = try InflateStream(PrefixedStream(prefix: head, file), place: path, limit: Int.max)
        case .tar:
            outer = PrefixedStream(prefix: head, file)
        case .zstd, .bzip2, .xz:
            throw ArchiveError(path, "a compressed archive Bulkhead does not read (zstd, bzip2, xz): decompress it first")
        default:
            throw ArchiveError(path, "not an image archive (neither tar nor gzip)")
        }
        let scan = try ArchiveScan.read(TarReader(outer, place: path), place: path, reader: self)
        return try assemble(scan, name: path)
    }

    /// An image archive already in memory (a tar or gzipped tar): the fuzz target's road.
    public func read(archive bytes: [UInt8], name: String) throws -> ContainerImage {
        let head = Array(bytes.prefix(512))
        let stream: any ByteStream
        switch BlobKind.sniff(head) {
        case .gzip: stream = try InflateStream(MemoryStream(bytes), place: name, limit: options.maxLayerBytes)
        case .tar: stream = MemoryStream(bytes)
        default: throw ArchiveError(name, "not an image archive (neither tar nor gzip)")
        }
        return try assemble(ArchiveScan.read(TarReader(stream, place: name), place: name, reader: self), name: name)
    }

    // MARK: - One pass over an archive

    struct LayerRead {
        var index: LayerIndex
        var compressedDigest: String
        var kind: BlobKind
    }

    struct ArchiveScan {
        var documents: [String: [UInt8]] = [:]
        var layers: [String: LayerRead] = [:]
        var unreadable: [String: String] = [:]
        var links: [String: String] = [:]
        var diagnostics: [Diagnostic] = []

        static func read(_ tar: TarReader, place: String, reader: ImageReader) throws -> ArchiveScan {
            var scan = ArchiveScan()
            while let entry = try tar.next() {
                guard let path = ImagePath.normalize(entry.name) else {
                    scan.diagnostics.append(Diagnostic(level: .warning, file: place, line: 0, column: 0, message: "entry \"\(entry.name)\" points outside the archive: ignored"))
                    continue
                }
                if entry.kind == .symbolicLink || entry.kind == .hardLink {
                    let target = entry.kind == .hardLink ? entry.linkTarget
                        : (entry.linkTarget.hasPrefix("/") ? entry.linkTarget : ImagePath.parent(path) + "/" + entry.linkTarget)
                    if let resolved = ImagePath.normalize(target) { scan.links[path] = resolved }
                    continue
                }
                guard entry.kind == .file else { continue }
                let body = tar.body()
                let head = try body.read(upTo: 512)
                let kind = BlobKind.sniff(head)
                let expected = blobDigest(path)
                switch kind {
                case .json where entry.size <= reader.options.maxDocumentBytes:
                    let bytes = head + (try body.readAll(limit: reader.options.maxDocumentBytes, place: "\(place): \(path)"))
                    if let expected, sha256Digest(bytes) != expected {
                        throw ArchiveError("\(place): \(path)", "the blob's content does not match its digest \(expected): refused")
                    }
                    scan.documents[path] = bytes
                case .gzip, .tar:
                    let raw = HashingStream(PrefixedStream(prefix: head, body))
                    let layerPlace = "\(place): \(path)"
                    let index = try reader.indexLayer(raw, kind: kind, place: layerPlace)
                    try raw.drain()
                    let digest = raw.digest()
                    if let expected, digest != expected {
                        throw ArchiveError(layerPlace, "the blob's content does not match its digest (\(digest)): refused")
                    }
                    scan.layers[path] = LayerRead(index: index, compressedDigest: digest, kind: kind)
                case .zstd:
                    scan.unreadable[path] = "a zstd-compressed layer: not supported yet (recompress with gzip)"
                case .bzip2, .xz:
                    scan.unreadable[path] = "a bzip2/xz-compressed layer: not an OCI layer format"
                default:
                    continue
                }
            }
            return scan
        }

        func resolve(_ path: String) -> String {
            var current = path
            var hops = 0
            while let next = links[current], hops < 8 {
                current = next
                hops += 1
            }
            return current
        }
    }

    /// `blobs/sha256/<hex>` → `sha256:<hex>`.
    static func blobDigest(_ path: String) -> String? {
        let parts = path.split(separator: "/")
        guard parts.count >= 3, parts[parts.count - 3] == "blobs" else { return nil }
        return "\(parts[parts.count - 2]):\(parts[parts.count - 1])"
    }

    /// Decompresses and indexes a layer stream; the uncompressed tar's digest is the `diff_id`.
    func indexLayer(_ raw: any ByteStream, kind: BlobKind, place: String) throws -> LayerIndex {
        let uncompressed: any ByteStream = kind == .gzip ? try InflateStream(raw, place: place, limit: options.maxLayerBytes) : raw
        let hashing = HashingStream(uncompressed)
        var index = try LayerIndex.read(TarReader(hashing, place: place), layer: 0, interest: interest, place: place)
        // What follows the end-of-archive blocks belongs to the digest too.
        try hashing.drain()
        if hashing.count > options.maxLayerBytes { throw ArchiveError(place, "expands to more than \(options.maxLayerBytes) bytes; stopped") }
        index.diffID = hashing.digest()
        index.uncompressedBytes = hashing.count
        return index
    }

    // MARK: - Manifests

    func document(_ scan: ArchiveScan, _ path: String, place: String) throws -> YAMLNode {
        guard let bytes = scan.documents[scan.resolve(path)] else { throw ArchiveError(place, "\(path) is missing") }
        let output = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: path) }
        guard let root = output.documents.first?.root, root.isMapping || root.isSequence else {
            throw ArchiveError(place, "\(path) is not a JSON document: \(output.diagnostics.first?.message ?? "empty")")
        }
        return root
    }

    func assemble(_ scan: ArchiveScan, name: String) throws -> ContainerImage {
        if scan.documents["index.json"] != nil {
            return try assembleOCI(scan, name: name, blob: { digest in "blobs/" + digest.replacingOccurrences(":", "/") })
        }
        if scan.documents["manifest.json"] != nil { return try assembleDocker(scan, name: name) }
        throw ArchiveError(name, "neither an OCI image layout (index.json) nor a docker archive (manifest.json)")
    }

    func assembleOCI(_ scan: ArchiveScan, name: String, blob: (String) -> String) throws -> ContainerImage {
        var node = try document(scan, "index.json", place: name)
        var manifestDigest: String?
        // An index (possibly nested) → one manifest for the platform.
        for _ in 0..<4 {
            if node["layers"] != nil { break }
            guard let manifests = node["manifests"]?.items, !manifests.isEmpty else {
                throw ArchiveError(name, "the index lists no manifests")
            }
            let chosen = try choose(manifests, place: name)
            guard let digest = chosen["digest"]?.string else { throw ArchiveError(name, "a manifest descriptor has no digest") }
            manifestDigest = digest
            node = try document(scan, blob(digest), place: name)
        }
        guard let configDigest = node["config"]?["digest"]?.string else { throw ArchiveError(name, "the manifest has no config") }
        let configNode = try document(scan, blob(configDigest), place: name)
        let config = ImageConfig(node: configNode)
        var layers: [ImageLayer] = []
        var indexes: [LayerIndex] = []
        var diagnostics = scan.diagnostics
        let history = config.layerHistory
        for (position, descriptor) in (node["layers"]?.items ?? []).enumerated() {
            guard let digest = descriptor["digest"]?.string else { throw ArchiveError(name, "layer \(position + 1) has no digest") }
            let path = blob(digest)
            if let problem = scan.unreadable[path] {
                diagnostics.append(Diagnostic(level: .error, file: name, line: 0, column: 0, message: "layer \(position + 1) (\(digest)): \(problem); its files are not assessed"))
                layers.append(ImageLayer(digest: digest, diffID: nil, mediaType: descriptor["mediaType"]?.string, createdBy: history.indices.contains(position) ? history[position].createdBy : nil))
                indexes.append(LayerIndex())
                continue
            }
            guard let read = scan.layers[scan.resolve(path)] else { throw ArchiveError(name, "layer \(position + 1) (\(digest)) is not in the image") }
            if config.diffIDs.indices.contains(position), let diffID = read.index.diffID, config.diffIDs[position] != diffID {
                throw ArchiveError(name, "layer \(position + 1): its uncompressed digest \(diffID) is not the config's diff_id \(config.diffIDs[position]): refused")
            }
            layers.append(ImageLayer(digest: digest, diffID: read.index.diffID, mediaType: descriptor["mediaType"]?.string,
                                     createdBy: history.indices.contains(position) ? history[position].createdBy : nil))
            indexes.append(read.index.numbered(position))
        }
        for index in indexes { diagnostics += index.problems.map { Diagnostic(level: .warning, file: name, line: 0, column: 0, message: $0) } }
        return ContainerImage(name: name, digest: manifestDigest, config: config, layers: layers, tree: FileTree(layers: indexes),
                              layerIndexes: indexes, diagnostics: diagnostics)
    }

    func choose(_ manifests: [YAMLNode], place: String) throws -> YAMLNode {
        func platform(_ node: YAMLNode) -> String {
            let p = node["platform"]
            return [p?["os"]?.string, p?["architecture"]?.string, p?["variant"]?.string].compactMap { $0 }.joined(separator: "/")
        }
        let wanted = options.platform ?? "linux/amd64"
        if manifests.count == 1, options.platform == nil { return manifests[0] }
        if let exact = manifests.first(where: { platform($0) == wanted || platform($0).hasPrefix(wanted + "/") }) { return exact }
        if options.platform == nil, let first = manifests.first(where: { $0["platform"] == nil }) { return first }
        let offered = manifests.map { platform($0) }.filter { !$0.isEmpty }
        throw ArchiveError(place, "no image for platform \(wanted) (the index offers \(offered.isEmpty ? "none" : offered.joined(separator: ", "))); choose with --platform")
    }

    func assembleDocker(_ scan: ArchiveScan, name: String) throws -> ContainerImage {
        let manifest = try document(scan, "manifest.json", place: name)
        guard let entry = manifest.items?.first else { throw ArchiveError(name, "manifest.json lists no image") }
        guard let configPath = entry["Config"]?.string else { throw ArchiveError(name, "manifest.json names no Config") }
        guard let configBytes = scan.documents[scan.resolve(configPath)] else { throw ArchiveError(name, "the config \(configPath) is missing") }
        let configDigest = sha256Digest(configBytes)
        if let hex = configPath.split(separator: "/").last?.split(separator: ".").first, hex.count == 64, "sha256:\(hex)" != configDigest {
            throw ArchiveError(name, "the config \(configPath) does not match its name (\(configDigest)): refused")
        }
        let config = ImageConfig(node: try document(scan, configPath, place: name))
        var layers: [ImageLayer] = []
        var indexes: [LayerIndex] = []
        var diagnostics = scan.diagnostics
        let history = config.layerHistory
        for (position, pathNode) in (entry["Layers"]?.items ?? []).enumerated() {
            guard let path = pathNode.string else { continue }
            let resolved = scan.resolve(path)
            if let problem = scan.unreadable[resolved] {
                diagnostics.append(Diagnostic(level: .error, file: name, line: 0, column: 0, message: "layer \(position + 1) (\(path)): \(problem); its files are not assessed"))
                layers.append(ImageLayer(digest: nil, diffID: nil, mediaType: nil, createdBy: nil))
                indexes.append(LayerIndex())
                continue
            }
            guard let read = scan.layers[resolved] else { throw ArchiveError(name, "layer \(position + 1) (\(path)) is not in the archive") }
            if config.diffIDs.indices.contains(position), let diffID = read.index.diffID, config.diffIDs[position] != diffID {
                throw ArchiveError(name, "layer \(position + 1) (\(path)): its digest \(diffID) is not the config's diff_id \(config.diffIDs[position]): refused")
            }
            layers.append(ImageLayer(digest: read.kind == .gzip ? read.compressedDigest : read.index.diffID, diffID: read.index.diffID, mediaType: nil,
                                     createdBy: history.indices.contains(position) ? history[position].createdBy : nil))
            indexes.append(read.index.numbered(position))
        }
        for index in indexes { diagnostics += index.problems.map { Diagnostic(level: .warning, file: name, line: 0, column: 0, message: $0) } }
        // A docker archive has no manifest digest: the image ID (the config's digest) names it, as `docker images` does.
        let tag = entry["RepoTags"]?.items?.first?.string
        return ContainerImage(name: tag.map { "\(name) (\($0))" } ?? name, digest: configDigest, config: config, layers: layers,
                              tree: FileTree(layers: indexes), layerIndexes: indexes, diagnostics: diagnostics)
    }

    // MARK: - Directories

    func readLayout(directory: String) throws -> ContainerImage {
        var scan = ArchiveScan()
        func load(_ relative: String) throws {
            let stream = try FileStream(path: directory + "/" + relative)
            let bytes = try stream.readAll(limit: options.maxDocumentBytes, place: directory + "/" + relative)
            if let expected = Self.blobDigest(relative), sha256Digest(bytes) != expected {
                throw ArchiveError(directory + "/" + relative, "the blob's content does not match its digest: refused")
            }
            scan.documents[relative] = bytes
        }
        try load("index.json")
        // Documents first (index, manifests, config), then only the layers the manifest names.
        var pending = [try document(scan, "index.json", place: directory)]
        var layerDigests: [String] = []
        while let node = pending.popLast() {
            for descriptor in node["manifests"]?.items ?? [] {
                guard let digest = descriptor["digest"]?.string else { continue }
                let relative = "blobs/" + digest.replacingOccurrences(":", "/")
                if scan.documents[relative] == nil, access(directory + "/" + relative, F_OK) == 0 {
                    try load(relative)
                    pending.append(try document(scan, relative, place: directory))
                }
            }
            if let config = node["config"]?["digest"]?.string {
                let relative = "blobs/" + config.replacingOccurrences(":", "/")
                if scan.documents[relative] == nil { try load(relative) }
            }
            layerDigests += node["layers"]?.items?.compactMap { $0["digest"]?.string } ?? []
        }
        for digest in Set(layerDigests) {
            let relative = "blobs/" + digest.replacingOccurrences(":", "/")
            let path = directory + "/" + relative
            guard access(path, F_OK) == 0 else { continue }
            let file = try FileStream(path: path)
            let head = try file.read(upTo: 512)
            let kind = BlobKind.sniff(head)
            guard kind == .gzip || kind == .tar else {
                scan.unreadable[relative] = kind == .zstd ? "a zstd-compressed layer: not supported yet (recompress with gzip)" : "not a tar or gzip layer"
                continue
            }
            let raw = HashingStream(PrefixedStream(prefix: head, file))
            let index = try indexLayer(raw, kind: kind, place: path)
            try raw.drain()
            guard raw.digest() == digest else { throw ArchiveError(path, "the blob's content does not match its digest: refused") }
            scan.layers[relative] = LayerRead(index: index, compressedDigest: digest, kind: kind)
        }
        return try assembleOCI(scan, name: directory, blob: { "blobs/" + $0.replacingOccurrences(":", "/") })
    }

    /// An unpacked root file system: one layer, read from the directory without following links.
    func readRootFileSystem(_ root: String) throws -> ContainerImage {
        var index = LayerIndex()
        var pending = [""]
        var visited = 0
        while let relative = pending.popLast() {
            let directory = relative.isEmpty ? root : root + "/" + relative
            guard let handle = opendir(directory) else {
                index.problems.append("\(directory): cannot list: \(String(cString: strerror(errno)))")
                continue
            }
            defer { closedir(handle) }
            while let entry = readdir(handle) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                    pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if name == "." || name == ".." { continue }
                let path = relative.isEmpty ? name : relative + "/" + name
                let full = root + "/" + path
                var status = stat()
                guard lstat(full, &status) == 0 else { continue }
                visited += 1
                let mode = UInt32(status.st_mode)
                let kind: TarEntry.Kind
                var link = ""
                switch mode & UInt32(S_IFMT) {
                case UInt32(S_IFDIR): kind = .directory
                case UInt32(S_IFREG): kind = .file
                case UInt32(S_IFLNK):
                    kind = .symbolicLink
                    var buffer = [CChar](repeating: 0, count: 4097)
                    let count = readlink(full, &buffer, 4096)
                    if count > 0 { link = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) }
                case UInt32(S_IFCHR): kind = .characterDevice
                case UInt32(S_IFBLK): kind = .blockDevice
                case UInt32(S_IFIFO): kind = .fifo
                default: kind = .other(0)
                }
                let size = kind == .file ? Int(status.st_size) : 0
                index.files.append(FileRecord(path: path, kind: kind, mode: mode & 0o7777, uid: Int(status.st_uid), size: size, linkTarget: link, layer: 0))
                if kind == .directory { pending.append(path) }
                guard kind == .file, size > 0 else { continue }
                do {
                    switch interest(path, size, mode & 0o7777) {
                    case .none: break
                    case .contents(let limit):
                        if size <= limit { index.captured[path] = try FileStream(path: full).readAll(limit: limit, place: full) }
                    case .goBuildInfo:
                        if let facts = try ExecutableFacts.scan(FileStream(path: full), size: size) { index.record(facts, path: path) }
                    case .javaArchive:
                        index.readJava(try FileStream(path: full).readAll(limit: 512 << 20, place: full), path: path, place: root)
                    }
                } catch {
                    index.problems.append(String(describing: error))
                }
            }
        }
        var config = ImageConfig()
        config.os = "linux"
        let diagnostics = index.problems.map { Diagnostic(level: .warning, file: root, line: 0, column: 0, message: $0) }
        return ContainerImage(name: root, digest: nil, config: config, layers: [ImageLayer(digest: nil, diffID: nil, mediaType: nil, createdBy: nil)],
                              tree: FileTree(layers: [index]), layerIndexes: [index], diagnostics: diagnostics)
    }
}

extension LayerIndex {
    /// The same index with its files attributed to layer `number`.
    func numbered(_ number: Int) -> LayerIndex {
        var copy = self
        for position in copy.files.indices { copy.files[position].layer = number }
        return copy
    }
}

extension String {
    func replacingOccurrences(_ target: Character, _ replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
