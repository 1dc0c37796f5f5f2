import BulkheadCore
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// RPM's package database as Amazon Linux 2023, Fedora and RHEL 9 keep it: SQLite
/// (`var/lib/rpm/rpmdb.sqlite`, or `usr/lib/sysimage/rpm/`), one header blob per package. Amazon
/// Linux 2 and CentOS 7 keep a Berkeley DB (`var/lib/rpm/Packages`): not read — its packages are
/// reported as not assessed, never as absent.
enum RPMDatabase {
    static let sqlitePaths = ["var/lib/rpm/rpmdb.sqlite", "usr/lib/sysimage/rpm/rpmdb.sqlite"]
    static let berkeleyPaths = ["var/lib/rpm/Packages"]
    static let ndbPaths = ["var/lib/rpm/Packages.db", "usr/lib/sysimage/rpm/Packages.db"]

    static func packages(_ image: ContainerImage, os: OperatingSystem?, problems: inout [String], unread: inout [String]) -> [Package] {
        for path in berkeleyPaths + ndbPaths where image.tree.files[path] != nil && !sqlitePaths.contains(where: { image.tree.files[$0] != nil }) {
            unread.append("\(path): an RPM database in Berkeley DB or NDB format (Amazon Linux 2, CentOS 7, SUSE) is not read yet")
        }
        guard let path = sqlitePaths.first(where: { image.tree.files[$0] != nil }) else { return [] }
        guard let bytes = image.contents(path) else {
            unread.append("\(path): not read (too large?)")
            return []
        }
        do {
            return try read(bytes, path: path, os: os, layer: image.tree.files[path]?.layer)
        } catch {
            unread.append("\(path): \(error)")
            return []
        }
    }

    static func read(_ bytes: [UInt8], path: String, os: OperatingSystem?, layer: Int?) throws -> [Package] {
        // SQLite reads files: the database goes to a private temporary file for the query.
        var template = Array("/tmp/bulkhead-rpmdb-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { buffer in buffer.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { throw ArchiveError(path, "cannot make a temporary file") }
        let file = String(cString: template.map { $0 })
        defer { unlink(file) }
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: file, configuration: configuration)
        let blobs: [[UInt8]] = try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT blob FROM Packages").compactMap { row -> [UInt8]? in
                if case .blob(let data) = (row[0] as DatabaseValue).storage { return [UInt8](data) }
                return nil
            }
        }
        var packages: [Package] = []
        for blob in blobs {
            guard let header = Header(blob), let name = header.string(1000), name != "gpg-pubkey", let version = header.string(1001) else { continue }
            let release = header.string(1002)
            let epoch = header.int(1003)
            var full = version + (release.map { "-\($0)" } ?? "")
            if let epoch, epoch > 0 { full = "\(epoch):\(full)" }
            var source: String?
            var sourceVersion: String?
            if let rpm = header.string(1044), rpm.hasSuffix(".src.rpm") {
                let parts = rpm.dropLast(8).split(separator: "-")
                if parts.count >= 3 {
                    source = parts.dropLast(2).joined(separator: "-")
                    sourceVersion = parts.suffix(2).joined(separator: "-")
                }
            }
            var package = Package(name: name, version: full, ecosystem: .rpm, sourceName: source, sourceVersion: sourceVersion,
                                  architecture: header.string(1022), layer: layer, path: path, distro: os?.distro)
            package.licenses = header.string(1014).map { [$0] } ?? []
            packages.append(package)
        }
        return packages
    }

    /// An RPM header as the database stores it: index count, data length, 16-byte index entries
    /// (tag, type, offset, count; big-endian), then the data.
    struct Header {
        let entries: [UInt32: (type: UInt32, offset: Int, count: Int)]
        let data: ArraySlice<UInt8>

        init?(_ blob: [UInt8]) {
            func u32(_ at: Int) -> UInt32? {
                guard at >= 0, at + 4 <= blob.count else { return nil }
                return UInt32(blob[at]) << 24 | UInt32(blob[at + 1]) << 16 | UInt32(blob[at + 2]) << 8 | UInt32(blob[at + 3])
            }
            guard let il = u32(0), let dl = u32(4), il < 100_000, dl < 64 << 20 else { return nil }
            let start = 8 + Int(il) * 16
            guard start + Int(dl) <= blob.count else { return nil }
            var entries: [UInt32: (UInt32, Int, Int)] = [:]
            for index in 0..<Int(il) {
                let at = 8 + index * 16
                guard let tag = u32(at), let type = u32(at + 4), let offset = u32(at + 8), let count = u32(at + 12),
                      Int(offset) < Int(dl) else { continue }
                entries[tag] = (type, Int(offset), Int(count))
            }
            self.entries = entries
            data = blob[start..<(start + Int(dl))]
        }

        func string(_ tag: UInt32) -> String? {
            guard let entry = entries[tag], [6, 8, 9].contains(entry.type) else { return nil }
            let from = data.startIndex + entry.offset
            guard from < data.endIndex else { return nil }
            let end = data[from...].firstIndex(of: 0) ?? data.endIndex
            return String(decoding: data[from..<end], as: UTF8.self)
        }

        func int(_ tag: UInt32) -> Int? {
            guard let entry = entries[tag], entry.type == 4 else { return nil }
            let from = data.startIndex + entry.offset
            guard from + 4 <= data.endIndex else { return nil }
            return Int(UInt32(data[from]) << 24 | UInt32(data[from + 1]) << 16 | UInt32(data[from + 2]) << 8 | UInt32(data[from + 3]))
        }
    }
}
