import CZlib

/// A gzip (or zlib) stream inflated as it is read, with zlib. Concatenated gzip members are read
/// one after another, as `gunzip` does. The expanded size is capped (a gzip bomb stops at `limit`
/// with an error naming the place), and a stream that ends early is an error, never a short read
/// taken for the whole.
public final class InflateStream: ByteStream {
    public enum Framing: Sendable {
        /// gzip or zlib, told apart by the header.
        case gzipOrZlib
        /// Raw deflate, as zip entries hold it.
        case raw
    }

    private let inner: any ByteStream
    private let place: String
    private let limit: Int
    private let framing: Framing
    private let stream: UnsafeMutablePointer<z_stream>
    private static let inputSize = 64 * 1024
    /// zlib keeps pointers into the stream and the input, so both live at fixed addresses.
    private let input: UnsafeMutableRawBufferPointer
    private var inputEnded = false
    private var finished = false
    public private(set) var produced = 0

    public init(_ inner: any ByteStream, place: String, limit: Int, framing: Framing = .gzipOrZlib) throws {
        self.inner = inner
        self.place = place
        self.limit = limit
        self.framing = framing
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        input = .allocate(byteCount: Self.inputSize, alignment: 16)
        let windowBits: Int32 = framing == .raw ? -15 : 15 + 32
        let status = inflateInit2_(stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deallocate()
            input.deallocate()
            throw ArchiveError(place, "zlib could not start (\(status))")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
        input.deallocate()
    }

    /// Refills the input when zlib has used it all; false at the end of the compressed stream.
    private func refill() throws -> Bool {
        if stream.pointee.avail_in > 0 { return true }
        if inputEnded { return false }
        let got = try inner.read(into: input)
        if got == 0 {
            inputEnded = true
            return false
        }
        stream.pointee.next_in = input.baseAddress?.assumingMemoryBound(to: Bytef.self)
        stream.pointee.avail_in = UInt32(got)
        return true
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        let room = min(buffer.count, Int(UInt32.max))
        while true {
            let hasInput = try refill()
            stream.pointee.next_out = base.assumingMemoryBound(to: Bytef.self)
            stream.pointee.avail_out = UInt32(room)
            let status = inflate(stream, Z_NO_FLUSH)
            let written = room - Int(stream.pointee.avail_out)
            produced += written
            if produced > limit { throw ArchiveError(place, "expands to more than \(limit) bytes (a compression bomb?); stopped") }
            switch status {
            case Z_OK, Z_BUF_ERROR:
                if written > 0 { return written }
                if !hasInput { throw ArchiveError(place, "compressed data ends early (truncated after \(produced) bytes)") }
            case Z_STREAM_END:
                // Another gzip member may follow (pigz, concatenated files); zip's raw entries end here.
                if framing == .gzipOrZlib, try memberFollows() {
                    inflateReset(stream)
                } else {
                    finished = true
                }
                if written > 0 || finished { return written }
            case Z_DATA_ERROR:
                let message = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                throw ArchiveError(place, "not valid compressed data: \(message)")
            case Z_MEM_ERROR:
                throw ArchiveError(place, "zlib ran out of memory")
            default:
                throw ArchiveError(place, "zlib error \(status)")
            }
        }
    }

    /// After a member's end: whether another member follows (trailing zeros are tape padding).
    private func memberFollows() throws -> Bool {
        while try refill() {
            guard let next = stream.pointee.next_in else { return false }
            let pending = UnsafeBufferPointer(start: next, count: Int(stream.pointee.avail_in))
            if pending.contains(where: { $0 != 0 }) { return true }
            stream.pointee.avail_in = 0
        }
        return false
    }
}

/// What the first bytes of a blob say it is.
public enum BlobKind: Sendable, Equatable {
    case gzip
    case zstd
    case bzip2
    case xz
    case tar
    case json
    case other

    public static func sniff(_ head: [UInt8]) -> BlobKind {
        if head.starts(with: [0x1f, 0x8b]) { return .gzip }
        if head.starts(with: [0x28, 0xb5, 0x2f, 0xfd]) { return .zstd }
        if head.starts(with: [0x42, 0x5a, 0x68]) { return .bzip2 }
        if head.starts(with: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]) { return .xz }
        if head.count >= 262, Array(head[257..<262]) == Array("ustar".utf8) { return .tar }
        if let first = head.first(where: { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return .json
        }
        // A tar without the ustar magic (v7): a plausible header checksum.
        if head.count >= 512, TarReader.checksumMatches(head) { return .tar }
        return .other
    }
}
