import Crypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What can go wrong reading an image or an archive. Every case names the place (file, archive
/// entry, layer) so the user can find it; none of them stops the rest of the input being read.
public struct ArchiveError: Error, Sendable, CustomStringConvertible, Equatable {
    public var place: String
    public var problem: String

    public init(_ place: String, _ problem: String) {
        self.place = place
        self.problem = problem
    }

    public var description: String { "\(place): \(problem)" }
}

/// A source of bytes read front to back, in chunks: a file, a tar entry's body, a gzip stream.
/// Layers go through these and are never held whole in memory.
public protocol ByteStream: AnyObject {
    /// Reads up to `buffer.count` bytes; 0 only at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension ByteStream {
    /// Reads up to `count` bytes (fewer only at the end).
    public func read(upTo count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try bytes.withUnsafeMutableBytes { (raw) throws -> Int in
                try read(into: UnsafeMutableRawBufferPointer(rebasing: raw[filled...]))
            }
            if got == 0 { break }
            filled += got
        }
        bytes.removeLast(count - filled)
        return bytes
    }

    /// Everything left, refusing more than `limit` bytes.
    public func readAll(limit: Int, place: String) throws -> [UInt8] {
        var all: [UInt8] = []
        while true {
            let chunk = try read(upTo: 64 * 1024)
            if chunk.isEmpty { return all }
            all += chunk
            if all.count > limit { throw ArchiveError(place, "larger than \(limit) bytes") }
        }
    }

    /// Reads and drops everything left.
    public func drain() throws {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while try scratch.withUnsafeMutableBytes({ (raw) throws -> Int in try read(into: raw) }) > 0 {}
    }
}

/// A file, read with the system's `read`.
public final class FileStream: ByteStream {
    private let descriptor: Int32
    public let path: String

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ArchiveError(path, "cannot open: \(String(cString: strerror(errno)))") }
        var status = stat()
        if fstat(fd, &status) == 0, (status.st_mode & S_IFMT) != S_IFREG {
            close(fd)
            throw ArchiveError(path, "not a regular file")
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let got = Glibc.read(descriptor, base, buffer.count)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            throw ArchiveError(path, "read failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// Bytes already in memory.
public final class MemoryStream: ByteStream {
    private let bytes: [UInt8]
    private var position = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, bytes.count - position)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
        }
        position += count
        return count
    }
}

/// Passes bytes through and hashes them (SHA-256), to check a blob against its digest.
public final class HashingStream: ByteStream {
    private let inner: any ByteStream
    private var hasher = SHA256()
    public private(set) var count = 0

    public init(_ inner: any ByteStream) { self.inner = inner }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let got = try inner.read(into: buffer)
        if got > 0 {
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
            count += got
        }
        return got
    }

    /// `sha256:<hex>` of everything read so far (call once, at the end).
    public func digest() -> String {
        "sha256:" + hasher.finalize().map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 15)] }.joined()
    }
}

private let hexDigits = (0..<16).map { String($0, radix: 16) }

/// Lower-case hex of bytes (a digest).
func hexString(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 15)] }.joined()
}

/// `sha256:<hex>` of bytes in memory.
public func sha256Digest(_ bytes: [UInt8]) -> String {
    "sha256:" + SHA256.hash(data: bytes).map { hexDigits[Int($0 >> 4)] + hexDigits[Int($0 & 15)] }.joined()
}

/// Puts back bytes read ahead (to sniff a format) before the rest of a stream.
public final class PrefixedStream: ByteStream {
    private var prefix: [UInt8]
    private var position = 0
    private let inner: any ByteStream

    public init(prefix: [UInt8], _ inner: any ByteStream) {
        self.prefix = prefix
        self.inner = inner
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if position < prefix.count {
            let count = min(buffer.count, prefix.count - position)
            prefix.withUnsafeBytes { source in
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[position..<(position + count)]))
            }
            position += count
            if position == prefix.count {
                prefix = []
                position = 0
            }
            return count
        }
        return try inner.read(into: buffer)
    }
}
