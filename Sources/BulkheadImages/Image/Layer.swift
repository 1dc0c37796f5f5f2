import BulkheadCore
#if canImport(Glibc)
import Glibc
#endif

/// Paths inside an image: relative to its root, without `./`, `.` or trailing slashes.
public enum ImagePath {
    /// `./usr/bin/` → `usr/bin`; nil when the name climbs out of the root (`../x`, `a/../../x`),
    /// which is never applied (such an entry is reported, not followed).
    public static func normalize(_ name: String) -> String? {
        var parts: [Substring] = []
        for part in name.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(part)
        }
        return parts.joined(separator: "/")
    }

    public static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[path.startIndex..<slash])
    }

    public static func base(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}

/// A file of an image as its layer wrote it (no contents: those of interest are in `captured`).
public struct FileRecord: Sendable, Hashable {
    public var path: String
    public var kind: TarEntry.Kind
    public var mode: UInt32
    public var uid: Int
    public var size: Int
    public var linkTarget: String
    /// Index of the layer that wrote it (0 = the base).
    public var layer: Int

    public var isExecutable: Bool { kind == .file && mode & 0o111 != 0 }
    public var isSetuid: Bool { kind == .file && mode & 0o4000 != 0 }
    public var isSetgid: Bool { kind == .file && mode & 0o2000 != 0 }
}

/// What the package readers and the content checks want of a file, decided from its path, size
/// and mode as the layer streams by: nothing (skipped), its bytes, or a scan for Go build info.
public enum Interest: Sendable, Equatable {
    case none
    case contents(limit: Int)
    case goBuildInfo
    /// A jar/war/ear: its Maven artifacts read, its bytes dropped.
    case javaArchive
}

/// One layer, read once as a stream: every entry's metadata, whiteouts, and the contents of
/// the files of interest.
public struct LayerIndex: Sendable {
    public var files: [FileRecord] = []
    /// Paths this layer deletes from the layers below (`.wh.<name>`).
    public var whiteouts: [String] = []
    /// Directories whose lower contents this layer hides (`.wh..wh..opq`).
    public var opaqueDirectories: [String] = []
    public var captured: [String: [UInt8]] = [:]
    public var goBuildInfo: [String: GoBuildInfo] = [:]
    /// cargo-auditable binaries: the crates built in.
    public var crates: [String: [GoBuildInfo.Module]] = [:]
    public var javaArtifacts: [String: [JavaArtifact]] = [:]
    /// Entries not applied, with why (names climbing out of the root, devices, oversize files).
    public var problems: [String] = []
    /// `sha256:` of the uncompressed tar (the config's `diff_id`); nil for a directory.
    public var diffID: String?
    public var uncompressedBytes = 0

    public init() {}

    mutating func record(_ facts: ExecutableFacts, path: String) {
        if let go = facts.go { goBuildInfo[path] = go }
        if !facts.crates.isEmpty { crates[path] = facts.crates }
    }

    mutating func readJava(_ bytes: [UInt8], path: String, place: String) {
        do {
            javaArtifacts[path] = try JavaArchive.artifacts(bytes, path: path)
        } catch {
            problems.append("\(place): \(path): \(error)")
        }
    }

    /// Reads a layer tar from its (already decompressed) stream.
    public static func read(_ tar: TarReader, layer: Int, interest: (String, Int, UInt32) -> Interest, place: String) throws -> LayerIndex {
        var index = LayerIndex()
        while let entry = try tar.next() {
            guard let path = ImagePath.normalize(entry.name) else {
                index.problems.append("\(place): entry \(entry.index) \"\(entry.name)\" points outside the image root: not applied")
                continue
            }
            if path.isEmpty { continue }
            let base = ImagePath.base(path)
            if base.hasPrefix(".wh.") {
                let parent = ImagePath.parent(path)
                if base == ".wh..wh..opq" {
                    index.opaqueDirectories.append(parent)
                } else {
                    let hidden = String(base.dropFirst(4))
                    index.whiteouts.append(parent.isEmpty ? hidden : parent + "/" + hidden)
                }
                continue
            }
            var linkTarget = entry.linkTarget
            if entry.kind == .hardLink {
                guard let target = ImagePath.normalize(linkTarget) else {
                    index.problems.append("\(place): hard link \(path) points outside the image root: not applied")
                    continue
                }
                linkTarget = target
            }
            let record = FileRecord(path: path, kind: entry.kind, mode: entry.mode, uid: entry.uid, size: entry.size,
                                    linkTarget: linkTarget, layer: layer)
            index.files.append(record)
            guard entry.kind == .file, entry.size > 0 else { continue }
            switch interest(path, entry.size, entry.mode) {
            case .none:
                break
            case .contents(let limit):
                if entry.size <= limit {
                    index.captured[path] = try tar.body().readAll(limit: limit, place: "\(place): \(path)")
                } else {
                    index.problems.append("\(place): \(path) is \(entry.size) bytes, over the \(limit)-byte limit for reading it: not read")
                }
            case .goBuildInfo:
                if let facts = try ExecutableFacts.scan(tar.body(), size: entry.size) { index.record(facts, path: path) }
            case .javaArchive:
                index.readJava(try tar.body().readAll(limit: 512 << 20, place: "\(place): \(path)"), path: path, place: place)
            }
        }
        return index
    }
}

/// The file system a container sees: the layers applied in order, as overlayfs does —
/// whiteouts delete, opaque directories hide what is below, a file replaces a directory.
public struct FileTree: Sendable {
    public private(set) var files: [String: FileRecord] = [:]

    public init(layers: [LayerIndex]) {
        for layer in layers { apply(layer) }
    }

    private mutating func removeChildren(_ path: String) {
        let prefix = path.isEmpty ? "" : path + "/"
        for key in files.keys where key.hasPrefix(prefix) { files[key] = nil }
    }

    private mutating func removeTree(_ path: String) {
        files[path] = nil
        removeChildren(path)
    }

    private mutating func apply(_ layer: LayerIndex) {
        // Before this layer's own entries: what it hides is below it.
        for directory in layer.opaqueDirectories { removeChildren(directory) }
        for path in layer.whiteouts { removeTree(path) }
        for record in layer.files {
            if record.kind != .directory, let existing = files[record.path], existing.kind == .directory {
                removeTree(record.path)
            }
            files[record.path] = record
        }
    }

    /// The path with every symbolic link along it followed inside the image (an absolute target
    /// is from the image root; `..` stops at the root); nil for a loop or a missing path.
    public func resolve(_ path: String) -> String? {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let part = pending.removeFirst()
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                if !resolved.isEmpty { resolved.removeLast() }
                continue
            }
            let candidate = (resolved + [part]).joined(separator: "/")
            guard let record = files[candidate] else {
                // Directories are often implied by their files, not written as entries.
                resolved.append(part)
                continue
            }
            if record.kind == .symbolicLink {
                hops += 1
                if hops > 40 { return nil }
                let target = record.linkTarget
                if target.hasPrefix("/") { resolved = [] }
                pending = target.split(separator: "/").map(String.init) + pending
                continue
            }
            resolved.append(part)
        }
        let result = resolved.joined(separator: "/")
        return files[result] != nil ? result : nil
    }
}

/// The main module, its dependencies and the Go version of a Go binary, from the build
/// information the linker writes (Go 1.18 and later: the inline format).
public struct GoBuildInfo: Sendable, Hashable {
    public struct Module: Sendable, Hashable {
        public var path: String
        public var version: String
    }

    /// `go1.19.8`.
    public var goVersion: String
    public var main: Module?
    public var dependencies: [Module]

    /// Scans an executable's bytes for the build-info header; nil when the file is not an ELF
    /// Go binary (most files: the first four bytes say so).
    public static func scan(_ stream: any ByteStream) throws -> GoBuildInfo? {
        let head = try stream.read(upTo: 4)
        guard head == [0x7f, 0x45, 0x4c, 0x46] else { return nil }
        let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)
        var window: [UInt8] = []
        var found: [UInt8]?
        while found == nil {
            let chunk = try stream.read(upTo: 256 * 1024)
            if chunk.isEmpty { break }
            window += chunk
            if let offset = firstIndex(of: magic, in: window) {
                var tail = Array(window[offset...])
                while tail.count < 64 * 1024 {
                    let more = try stream.read(upTo: 64 * 1024)
                    if more.isEmpty { break }
                    tail += more
                }
                found = tail
                break
            }
            window = Array(window.suffix(magic.count - 1))
        }
        guard let blob = found else { return nil }
        try stream.drain()
        return parse(blob)
    }

    static let magic: [UInt8] = [0xff] + Array(" Go buildinf:".utf8)

    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        haystack.withUnsafeBufferPointer { ByteSearch.firstIndex(of: needle, in: $0) }
    }

    /// The header (32 bytes: magic, pointer size, flags) then, with flag 2, two varint-prefixed
    /// strings: the Go version and the module information (framed by 16-byte sentinels).
    static func parse(_ blob: [UInt8]) -> GoBuildInfo? {
        guard blob.count > 32, blob[15] & 2 != 0 else { return nil }
        var position = 32
        func string() -> String? {
            var length = 0
            var shift = 0
            while position < blob.count {
                let byte = blob[position]
                position += 1
                length |= Int(byte & 0x7f) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
                if shift > 28 { return nil }
            }
            guard length >= 0, position + length <= blob.count else { return nil }
            defer { position += length }
            return String(decoding: blob[position..<(position + length)], as: UTF8.self)
        }
        guard let version = string(), version.hasPrefix("go") else { return nil }
        var modules = string() ?? ""
        if modules.utf8.count >= 33 {
            modules = String(decoding: Array(modules.utf8).dropFirst(16).dropLast(16), as: UTF8.self)
        }
        var info = GoBuildInfo(goVersion: version, main: nil, dependencies: [])
        var lastDependency: Int?
        for line in modules.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard let key = fields.first else { continue }
            switch key {
            case "mod" where fields.count >= 3:
                info.main = Module(path: fields[1], version: fields[2])
            case "dep" where fields.count >= 3:
                info.dependencies.append(Module(path: fields[1], version: fields[2]))
                lastDependency = info.dependencies.count - 1
            case "=>" where fields.count >= 3:
                // A replacement: the module actually built in.
                if let last = lastDependency { info.dependencies[last] = Module(path: fields[1], version: fields[2]) }
            default:
                break
            }
        }
        return info
    }
}
