/// A zip archive in memory (a jar, an OSV export): the central directory read, entries inflated on
/// demand (stored or deflate), sizes capped. Zip64 and encrypted entries are refused with a reason.
public struct ZipArchive {
    public struct Entry: Sendable {
        public var name: String
        public var method: UInt16
        public var compressedSize: Int
        public var size: Int
        var localHeader: Int
        var flags: UInt16
    }

    let bytes: [UInt8]
    let place: String
    public let entries: [Entry]

    static func u16(_ b: [UInt8], _ at: Int) -> UInt16? {
        guard at >= 0, at + 2 <= b.count else { return nil }
        return UInt16(b[at]) | UInt16(b[at + 1]) << 8
    }

    static func u32(_ b: [UInt8], _ at: Int) -> UInt32? {
        guard at >= 0, at + 4 <= b.count else { return nil }
        return UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    public static func isZip(_ head: [UInt8]) -> Bool { head.starts(with: [0x50, 0x4b, 0x03, 0x04]) || head.starts(with: [0x50, 0x4b, 0x05, 0x06]) }

    public init(_ bytes: [UInt8], place: String) throws {
        self.bytes = bytes
        self.place = place
        // The end-of-central-directory record: within the last 64 KiB + 22 bytes.
        var end: Int?
        var position = bytes.count - 22
        let floor = max(0, bytes.count - 65_557)
        while position >= floor {
            if Self.u32(bytes, position) == 0x0605_4b50 {
                end = position
                break
            }
            position -= 1
        }
        guard let end, let count = Self.u16(bytes, end + 10), let directorySize = Self.u32(bytes, end + 12), let directoryOffset = Self.u32(bytes, end + 16) else {
            throw ArchiveError(place, "not a zip archive (no end of central directory)")
        }
        if directoryOffset == 0xffff_ffff || count == 0xffff { throw ArchiveError(place, "a zip64 archive: not supported yet") }
        guard Int(directoryOffset) + Int(directorySize) <= bytes.count else { throw ArchiveError(place, "the central directory lies outside the file (truncated)") }
        var entries: [Entry] = []
        var at = Int(directoryOffset)
        for index in 0..<Int(count) {
            guard Self.u32(bytes, at) == 0x0201_4b50, let flags = Self.u16(bytes, at + 8), let method = Self.u16(bytes, at + 10),
                  let compressed = Self.u32(bytes, at + 20), let size = Self.u32(bytes, at + 24), let nameLength = Self.u16(bytes, at + 28),
                  let extraLength = Self.u16(bytes, at + 30), let commentLength = Self.u16(bytes, at + 32), let local = Self.u32(bytes, at + 42),
                  at + 46 + Int(nameLength) <= bytes.count else {
                throw ArchiveError(place, "central directory entry \(index + 1) is damaged")
            }
            let name = String(decoding: bytes[(at + 46)..<(at + 46 + Int(nameLength))], as: UTF8.self)
            entries.append(Entry(name: name, method: method, compressedSize: Int(compressed), size: Int(size), localHeader: Int(local), flags: flags))
            at += 46 + Int(nameLength) + Int(extraLength) + Int(commentLength)
        }
        self.entries = entries
    }

    /// An entry's bytes, refusing more than `limit`.
    public func contents(_ entry: Entry, limit: Int) throws -> [UInt8] {
        let place = "\(self.place): \(entry.name)"
        if entry.flags & 1 != 0 { throw ArchiveError(place, "encrypted") }
        guard entry.size <= limit else { throw ArchiveError(place, "\(entry.size) bytes, over the \(limit)-byte limit") }
        let at = entry.localHeader
        guard Self.u32(bytes, at) == 0x0403_4b50, let nameLength = Self.u16(bytes, at + 26), let extraLength = Self.u16(bytes, at + 28) else {
            throw ArchiveError(place, "local header damaged")
        }
        let start = at + 30 + Int(nameLength) + Int(extraLength)
        guard start + entry.compressedSize <= bytes.count else { throw ArchiveError(place, "data lies outside the file (truncated)") }
        let data = Array(bytes[start..<(start + entry.compressedSize)])
        switch entry.method {
        case 0:
            return data
        case 8:
            return try InflateStream(MemoryStream(data), place: place, limit: limit, framing: .raw).readAll(limit: limit, place: place)
        default:
            throw ArchiveError(place, "compression method \(entry.method) not supported")
        }
    }
}
