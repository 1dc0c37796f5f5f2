/// One entry of a tar archive (its header, with GNU long names and PAX records applied).
public struct TarEntry: Sendable, Equatable {
    public enum Kind: Sendable, Hashable {
        case file
        case hardLink
        case symbolicLink
        case directory
        case characterDevice
        case blockDevice
        case fifo
        case other(UInt8)
    }

    /// The name as the archive writes it (`./etc/passwd`, `usr/bin/`): see `ImagePath.normalize`.
    public var name: String
    public var kind: Kind
    public var mode: UInt32
    public var uid: Int
    public var gid: Int
    public var size: Int
    public var linkTarget: String
    /// Which entry of the archive (1-based), for diagnostics.
    public var index: Int
}

/// Reads a tar archive front to back from a stream: ustar, GNU (long names and links, base-256
/// sizes) and PAX (`path`, `linkpath`, `size`, `uid`, `gid`). Headers are checked (checksum,
/// numeric fields); a damaged header or a body cut short is an error naming the entry. Bodies
/// are read through `body()` or skipped, never held by the reader.
public final class TarReader {
    private let stream: any ByteStream
    private let place: String
    /// Body bytes of the current entry not yet read, and the padding after them.
    private var remaining = 0
    private var padding = 0
    private var entries = 0
    private var globalRecords: [String: String] = [:]

    public init(_ stream: any ByteStream, place: String) {
        self.stream = stream
        self.place = place
    }

    /// The next entry, after skipping what is left of the current one's body; nil at the end.
    public func next() throws -> TarEntry? {
        try skipRest()
        var longName: String?
        var longLink: String?
        var records: [String: String] = [:]
        while true {
            guard let header = try readBlock(allowEnd: true) else { return nil }
            if header.allSatisfy({ $0 == 0 }) { return nil }
            entries += 1
            guard Self.checksumMatches(header) else {
                throw ArchiveError(place, "tar entry \(entries): header checksum does not match (damaged or not a tar archive)")
            }
            guard let size = Self.number(header[124..<136]), size >= 0 else {
                throw ArchiveError(place, "tar entry \(entries): size field is not a number")
            }
            let type = header[156]
            switch type {
            case UInt8(ascii: "L"), UInt8(ascii: "K"), UInt8(ascii: "x"), UInt8(ascii: "g"):
                guard size <= 1 << 20 else { throw ArchiveError(place, "tar entry \(entries): extended header of \(size) bytes") }
                let data = try readBody(size)
                if type == UInt8(ascii: "L") { longName = Self.cString(data[...]) }
                if type == UInt8(ascii: "K") { longLink = Self.cString(data[...]) }
                if type == UInt8(ascii: "x") { records.merge(try parsePAX(data)) { $1 } }
                if type == UInt8(ascii: "g") { globalRecords.merge(try parsePAX(data)) { $1 } }
                continue
            default:
                break
            }
            var name = Self.cString(header[0..<100])
            let magic = Array(header[257..<263])
            if magic == Array("ustar\u{0}".utf8) {
                let prefix = Self.cString(header[345..<500])
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let all = globalRecords.merging(records) { $1 }
            if let path = all["path"] { name = path } else if let longName { name = longName }
            var link = Self.cString(header[157..<257])
            if let path = all["linkpath"] { link = path } else if let longLink { link = longLink }
            var entrySize = size
            if let value = all["size"] {
                guard let parsed = Int(value), parsed >= 0 else { throw ArchiveError(place, "tar entry \(entries): PAX size \(value) is not a number") }
                entrySize = parsed
            }
            let kind: TarEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = .file
            case UInt8(ascii: "1"): kind = .hardLink
            case UInt8(ascii: "2"): kind = .symbolicLink
            case UInt8(ascii: "3"): kind = .characterDevice
            case UInt8(ascii: "4"): kind = .blockDevice
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "6"): kind = .fifo
            default: kind = .other(type)
            }
            // Only regular files (and unknown types) have a body; a hard link's size is ignored.
            let bodySize: Int
            switch kind {
            case .file, .other: bodySize = entrySize
            default: bodySize = 0
            }
            remaining = bodySize
            padding = (512 - bodySize % 512) % 512
            let mode = UInt32(truncatingIfNeeded: Self.number(header[100..<108]) ?? 0)
            let uid = all["uid"].flatMap { Int($0) } ?? Self.number(header[108..<116]) ?? 0
            let gid = all["gid"].flatMap { Int($0) } ?? Self.number(header[116..<124]) ?? 0
            return TarEntry(name: name, kind: kind, mode: mode & 0o7777, uid: uid, gid: gid, size: bodySize, linkTarget: link, index: entries)
        }
    }

    /// The current entry's body as a stream (ends at the entry's end).
    public func body() -> any ByteStream { EntryBody(self) }

    fileprivate func readEntryBytes(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard remaining > 0 else { return 0 }
        let wanted = min(remaining, buffer.count)
        let got = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
        if got == 0 { throw ArchiveError(place, "tar entry \(entries): archive ends inside the entry's data (truncated)") }
        remaining -= got
        return got
    }

    private func skipRest() throws {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        while remaining > 0 {
            _ = try scratch.withUnsafeMutableBytes { (raw) throws -> Int in try readEntryBytes(into: raw) }
        }
        if padding > 0 {
            let pad = try stream.read(upTo: padding)
            // The end of the archive may follow the last body without its padding (some writers).
            if pad.count != padding && pad.count != 0 { throw ArchiveError(place, "tar entry \(entries): archive ends inside padding (truncated)") }
            padding = 0
        }
    }

    private func readBody(_ size: Int) throws -> [UInt8] {
        remaining = size
        padding = (512 - size % 512) % 512
        var data = [UInt8]()
        data.reserveCapacity(size)
        var chunk = [UInt8](repeating: 0, count: min(max(size, 1), 64 * 1024))
        while remaining > 0 {
            let got = try chunk.withUnsafeMutableBytes { (raw) throws -> Int in try readEntryBytes(into: raw) }
            data += chunk[0..<got]
        }
        try skipRest()
        return data
    }

    private func readBlock(allowEnd: Bool) throws -> [UInt8]? {
        let block = try stream.read(upTo: 512)
        if block.isEmpty && allowEnd { return nil }
        guard block.count == 512 else { throw ArchiveError(place, "archive ends inside a tar header after entry \(entries) (truncated)") }
        return block
    }

    private func parsePAX(_ data: [UInt8]) throws -> [String: String] {
        // Records: "<length> <key>=<value>\n", the length counting the whole record.
        var records: [String: String] = [:]
        var position = 0
        while position < data.count {
            guard let space = data[position...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: data[position..<space], as: UTF8.self)), length > 0,
                  position + length <= data.count else {
                throw ArchiveError(place, "tar entry \(entries): malformed PAX record")
            }
            let record = data[(space + 1)..<(position + length)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
                var value = record[(equals + 1)...]
                if value.last == UInt8(ascii: "\n") { value = value.dropLast() }
                records[key] = String(decoding: value, as: UTF8.self)
            }
            position += length
        }
        return records
    }

    static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// An octal field (NUL- or space-terminated), or GNU base-256 (high bit of the first byte).
    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            var value = Int(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < Int.max >> 8 else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var seenDigit = false
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") {
                if seenDigit { break } else { continue }
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7"), value < Int.max >> 3 else { return nil }
            value = value << 3 | Int(byte - UInt8(ascii: "0"))
            seenDigit = true
        }
        return value
    }

    /// Whether a 512-byte block's checksum field matches its bytes (unsigned or signed sum).
    static func checksumMatches(_ header: [UInt8]) -> Bool {
        guard header.count >= 512, let stored = number(header[148..<156]) else { return false }
        var unsigned = 0
        var signed = 0
        for (index, byte) in header[0..<512].enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        return stored == unsigned || stored == signed
    }
}

private final class EntryBody: ByteStream {
    private let reader: TarReader

    init(_ reader: TarReader) { self.reader = reader }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        try reader.readEntryBytes(into: buffer)
    }
}
