import Foundation

/// One thing to read: a file, or standard input.
public enum ScanInput: Sendable, Hashable {
    case file(String)
    case standardInput

    public var displayName: String {
        switch self {
        case .file(let path): return path
        case .standardInput: return "<stdin>"
        }
    }
}

/// Expands the paths given on the command line into the files to scan: directories are walked
/// recursively for `.yaml`, `.yml`, `.json` and the extensions formats add (Terraform's `.tf`); symbolic links are followed once (a link loop is
/// reported, not followed forever); unreadable entries are reported and the walk goes on.
public enum InputDiscovery {
    public static let manifestExtensions: Set<String> = ["yaml", "yml", "json"]

    public struct Output: Sendable {
        public var inputs: [ScanInput] = []
        public var diagnostics: [Diagnostic] = []
        /// Directories that were given (to look for `.bulkhead.yaml` in).
        public var directories: [String] = []
    }

    /// Directories a walk never enters unless given by name: hidden ones (`.git`, `.terraform`,
    /// `.build`...) and `node_modules`.
    public static func isSkippedDirectory(_ name: String) -> Bool {
        name.hasPrefix(".") && name != "." && name != ".." || name == "node_modules"
    }

    /// `exclude`: globs matched against each entry's name, its path below the directory given and
    /// its whole path (`--exclude 'charts/**'`, `--exclude '*.generated.yaml'`).
    /// `extensions`: what a directory walk picks up (`CheckRegistry.fileExtensions` adds each
    /// format's own, such as Terraform's `tf`); a file named on the command line is always read.
    /// `names`: whether a file name is picked up whatever its extension (`Dockerfile`, `Dockerfile.dev`:
    /// `CheckRegistry.picks(fileName:)`).
    public static func discover(_ paths: [String], exclude: [String] = [], extensions: Set<String> = manifestExtensions,
                                names: (String) -> Bool = { _ in false }) -> Output {
        var output = Output()
        let excluded = exclude.map(Glob.init)
        var seenFiles = Set<FileIdentity>()
        for path in paths {
            if path == "-" {
                output.inputs.append(.standardInput)
                continue
            }
            guard let identity = FileIdentity(path) else {
                let message = isDanglingLink(path) ? "symbolic link points nowhere (or loops)" : "no such file or directory"
                output.diagnostics.append(Diagnostic(file: path, message: message))
                continue
            }
            if identity.isDirectory {
                output.directories.append(path)
                var visited = Set<FileIdentity>()
                walk(path, root: path, identity: identity, excluded: excluded, extensions: extensions, names: names, visited: &visited, seenFiles: &seenFiles, into: &output)
            } else if seenFiles.insert(identity).inserted {
                output.inputs.append(.file(path))
            }
        }
        return output
    }

    private static func walk(_ directory: String, root: String, identity: FileIdentity, excluded: [Glob], extensions: Set<String>, names: (String) -> Bool, visited: inout Set<FileIdentity>,
                             seenFiles: inout Set<FileIdentity>, into output: inout Output) {
        guard visited.insert(identity).inserted else {
            let real = realPath(directory) ?? directory
            output.diagnostics.append(Diagnostic(level: .warning, file: directory,
                                                 message: "symbolic link loop: \(real) was already scanned; not followed again"))
            return
        }
        let entries: [String]
        do {
            entries = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            output.diagnostics.append(Diagnostic(file: directory, message: "cannot read directory: \(describe(error))"))
            return
        }
        for entry in entries {
            if entry == BulkheadConfig.fileName { continue }
            let path = directory.hasSuffix("/") ? directory + entry : directory + "/" + entry
            if !excluded.isEmpty {
                let relative = path.hasPrefix(root) ? String(path.dropFirst(root.count)).drop { $0 == "/" } : Substring(path)
                if excluded.contains(where: { $0.matches(entry) || $0.matches(String(relative)) || $0.matches(path) }) { continue }
            }
            let isManifest = extensions.contains((entry as NSString).pathExtension.lowercased())
                || names(entry)
            guard let entryIdentity = FileIdentity(path) else {
                if isManifest || isDanglingLink(path) {
                    output.diagnostics.append(Diagnostic(file: path, message: "symbolic link points nowhere (or loops)"))
                }
                continue
            }
            if entryIdentity.isDirectory {
                if isSkippedDirectory(entry) { continue }
                walk(path, root: root, identity: entryIdentity, excluded: excluded, extensions: extensions, names: names, visited: &visited, seenFiles: &seenFiles, into: &output)
            } else if isManifest, seenFiles.insert(entryIdentity).inserted {
                output.inputs.append(.file(path))
            }
        }
    }

    /// A file or directory as the file system knows it (device and inode, following links): the
    /// same file reached through two paths or a link loop is recognised with one `stat`.
    struct FileIdentity: Hashable {
        var device: UInt64
        var inode: UInt64
        var isDirectory: Bool

        init?(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        }
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func isDanglingLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }

    static func describe(_ error: any Error) -> String {
        if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
            return String(cString: strerror(underlying.code.rawValue))
        }
        if let cocoa = error as? CocoaError {
            switch cocoa.code {
            case .fileReadNoPermission: return "permission denied"
            case .fileReadNoSuchFile: return "no such file"
            default: break
            }
        }
        return error.localizedDescription
    }
}

/// Reads one input's bytes, refusing what cannot be a manifest: files over the size limit,
/// binary content (NUL bytes), unreadable files.
public enum SourceReader {
    public static let defaultMaxBytes = 32 * 1024 * 1024

    public static func read(_ input: ScanInput, maxBytes: Int) -> Result<[UInt8], Diagnostic> {
        let name = input.displayName
        let bytes: [UInt8]
        switch input {
        case .standardInput:
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let count = buffer.withUnsafeMutableBytes { Foundation.read(0, $0.baseAddress, $0.count) }
                if count < 0 {
                    return .failure(Diagnostic(file: name, message: "cannot read standard input: \(String(cString: strerror(errno)))"))
                }
                if count == 0 { break }
                data.append(contentsOf: buffer[0..<count])
                if data.count > maxBytes { return .failure(tooLarge(name, size: nil, maxBytes: maxBytes)) }
            }
            bytes = data
        case .file(let path):
            // Opened first, then looked at through the descriptor: one path lookup per file.
            // O_NONBLOCK so that opening a FIFO does not wait for a writer (it is refused below).
            let descriptor = open(path, O_RDONLY | O_NONBLOCK)
            guard descriptor >= 0 else {
                return .failure(Diagnostic(file: name, message: "cannot read: \(String(cString: strerror(errno)))"))
            }
            defer { close(descriptor) }
            var info = stat()
            guard fstat(descriptor, &info) == 0 else {
                return .failure(Diagnostic(file: name, message: "cannot read: \(String(cString: strerror(errno)))"))
            }
            if (info.st_mode & S_IFMT) != S_IFREG {
                return .failure(Diagnostic(file: name, message: "not a regular file"))
            }
            if Int(info.st_size) > maxBytes {
                return .failure(tooLarge(name, size: Int(info.st_size), maxBytes: maxBytes))
            }
            var data = [UInt8](repeating: 0, count: Int(info.st_size))
            var filled = 0
            while filled < data.count {
                let count = data.withUnsafeMutableBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return Foundation.read(descriptor, base + filled, raw.count - filled)
                }
                if count < 0 {
                    return .failure(Diagnostic(file: name, message: "cannot read: \(String(cString: strerror(errno)))"))
                }
                if count == 0 { break }
                filled += count
            }
            data.removeSubrange(filled...)
            bytes = data
        }
        if let nul = bytes.prefix(1 << 20).firstIndex(of: 0) {
            return .failure(Diagnostic(file: name, message: "binary content (a NUL byte at offset \(nul)); not a YAML or JSON manifest"))
        }
        return .success(bytes)
    }

    private static func tooLarge(_ name: String, size: Int?, maxBytes: Int) -> Diagnostic {
        let limit = "\(maxBytes / (1024 * 1024)) MiB"
        if let size {
            return Diagnostic(file: name, message: "file is \(size / (1024 * 1024)) MiB, over the \(limit) limit (raise it with --max-file-size)")
        }
        return Diagnostic(file: name, message: "input is over the \(limit) limit (raise it with --max-file-size)")
    }
}
