import BulkheadCore

/// What a binary says about how it was built: Go's build information (`.go.buildinfo`) and
/// cargo-auditable's dependency list (`.dep-v0`, zlib-compressed JSON), read from the ELF section
/// headers. A binary too large to hold is searched as a stream for Go's header only.
public struct ExecutableFacts: Sendable {
    public var go: GoBuildInfo?
    /// cargo-auditable: (name, version) of the registry crates built in.
    public var crates: [GoBuildInfo.Module] = []

    static let wholeLimit = 128 << 20

    static func scan(_ stream: any ByteStream, size: Int) throws -> ExecutableFacts? {
        guard size <= wholeLimit else { return try GoBuildInfo.scan(stream).map { ExecutableFacts(go: $0) } }
        let head = try stream.read(upTo: 4)
        guard head == [0x7f, 0x45, 0x4c, 0x46] else { return nil }
        let bytes = head + (try stream.readAll(limit: wholeLimit, place: "executable"))
        var facts = ExecutableFacts()
        let sections = ELF.sections(bytes)
        if let buildinfo = sections[".go.buildinfo"] {
            facts.go = GoBuildInfo.parse(Array(bytes[buildinfo]))
        } else if let offset = GoBuildInfo.firstIndex(of: GoBuildInfo.magic, in: bytes) {
            facts.go = GoBuildInfo.parse(Array(bytes[offset..<min(bytes.count, offset + 64 * 1024)]))
        }
        if let dependencies = sections[".dep-v0"] {
            facts.crates = cargoAuditable(Array(bytes[dependencies]))
        }
        return facts.go == nil && facts.crates.isEmpty ? nil : facts
    }

    /// `{"packages":[{"name","version","source","kind"}…]}`, zlib-compressed; crates from a registry only.
    static func cargoAuditable(_ compressed: [UInt8]) -> [GoBuildInfo.Module] {
        guard let json = try? InflateStream(MemoryStream(compressed), place: ".dep-v0", limit: 16 << 20).readAll(limit: 16 << 20, place: ".dep-v0"),
              let root = json.withUnsafeBufferPointer({ YAMLLoader().load(bytes: $0, file: ".dep-v0") }).documents.first?.root else { return [] }
        return (root["packages"]?.items ?? []).compactMap { package in
            guard let name = package["name"]?.string, let version = package["version"]?.string,
                  (package["source"]?.string ?? "").hasPrefix("crates.io") || package["source"]?.string == "registry" else { return nil }
            return GoBuildInfo.Module(path: name, version: version)
        }
    }
}

/// ELF section headers, by name → byte range (32 and 64 bit, either byte order).
enum ELF {
    static func sections(_ b: [UInt8]) -> [String: Range<Int>] {
        guard b.count >= 64, b[0] == 0x7f, b[1] == 0x45, b[2] == 0x4c, b[3] == 0x46 else { return [:] }
        let is64 = b[4] == 2
        let little = b[5] != 2
        func read(_ at: Int, _ width: Int) -> Int? {
            guard at >= 0, width <= 8, at + width <= b.count else { return nil }
            var value: UInt64 = 0
            for index in 0..<width {
                let byte = UInt64(b[at + (little ? width - 1 - index : index)])
                value = value << 8 | byte
            }
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        let word = is64 ? 8 : 4
        guard let shoff = read(is64 ? 0x28 : 0x20, word), let shentsize = read(is64 ? 0x3a : 0x2e, 2),
              let shnum = read(is64 ? 0x3c : 0x30, 2), let shstrndx = read(is64 ? 0x3e : 0x32, 2),
              shnum > 0, shnum < 65_536, shstrndx < shnum, shentsize >= (is64 ? 64 : 40) else { return [:] }
        func header(_ index: Int) -> (name: Int, offset: Int, size: Int)? {
            let at = shoff + index * shentsize
            guard let name = read(at, 4), let offset = read(at + (is64 ? 0x18 : 0x10), word), let size = read(at + (is64 ? 0x20 : 0x14), word),
                  offset <= b.count, size <= b.count - offset else { return nil }
            return (name, offset, size)
        }
        guard let names = header(shstrndx) else { return [:] }
        var result: [String: Range<Int>] = [:]
        for index in 0..<shnum {
            guard let section = header(index), section.name < names.size else { continue }
            let start = names.offset + section.name
            let end = b[start..<(names.offset + names.size)].firstIndex(of: 0) ?? (names.offset + names.size)
            let name = String(decoding: b[start..<end], as: UTF8.self)
            if !name.isEmpty { result[name] = section.offset..<(section.offset + section.size) }
        }
        return result
    }
}
