@testable import BulkheadImages
import BulkheadCore
import BulkheadTestSupport
import Foundation
import GRDB
import Testing

/// Writes tar archives for the tests (ustar; PAX records for long names).
struct TarWriter {
    var bytes: [UInt8] = []

    enum Entry {
        case file(String, String, mode: Int = 0o644)
        case directory(String)
        case symlink(String, String)
    }

    static func octal(_ value: Int, _ width: Int) -> [UInt8] {
        let text = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - text.count)) + text).utf8) + [0]
    }

    mutating func header(name: String, size: Int, mode: Int, type: UInt8, link: String = "") {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], _ offset: Int) { for (i, b) in field.enumerated() where offset + i < 512 { block[offset + i] = b } }
        put(Array(name.utf8.prefix(100)), 0)
        put(Self.octal(mode, 8), 100)
        put(Self.octal(0, 8), 108)
        put(Self.octal(0, 8), 116)
        put(Self.octal(size, 12), 124)
        put(Self.octal(1_795_910_400, 12), 136)
        put(Array(repeating: 0x20, count: 8), 148)
        block[156] = type
        put(Array(link.utf8.prefix(100)), 157)
        put(Array("ustar\u{0}00".utf8), 257)
        let sum = block.reduce(0) { $0 + Int($1) }
        put(Self.octal(sum, 7) + [0x20], 148)
        bytes += block
    }

    mutating func body(_ data: [UInt8]) {
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func add(_ entry: Entry) {
        switch entry {
        case .file(let name, let content, let mode):
            let data = Array(content.utf8)
            if name.utf8.count > 100 {
                let record = " path=\(name)\n"
                let length = record.utf8.count + 2
                let pax = "\(length + String(length).count - 2)" + record
                header(name: "PaxHeader", size: pax.utf8.count, mode: 0o644, type: UInt8(ascii: "x"))
                body(Array(pax.utf8))
            }
            header(name: name, size: data.count, mode: mode, type: UInt8(ascii: "0"))
            body(data)
        case .directory(let name):
            header(name: name, size: 0, mode: 0o755, type: UInt8(ascii: "5"))
        case .symlink(let name, let target):
            header(name: name, size: 0, mode: 0o777, type: UInt8(ascii: "2"), link: target)
        }
    }

    func finished() -> [UInt8] { bytes + [UInt8](repeating: 0, count: 1024) }

    static func make(_ entries: [Entry]) -> [UInt8] {
        var writer = TarWriter()
        for entry in entries { writer.add(entry) }
        return writer.finished()
    }
}

func gzip(_ bytes: [UInt8]) throws -> [UInt8] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["gzip", "-c", "-n"]
    let input = Pipe()
    let output = Pipe()
    process.standardInput = input
    process.standardOutput = output
    try process.run()
    let writer = Thread {
        input.fileHandleForWriting.write(Data(bytes))
        try? input.fileHandleForWriting.close()
    }
    writer.start()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Array(data)
}

/// An OCI image layout written by the test: layers (tars), a config and a manifest, with digests.
struct LayoutBuilder {
    var blobs: [String: [UInt8]] = [:]
    var layerDigests: [String] = []
    var diffIDs: [String] = []
    var history: [String] = []

    mutating func addLayer(_ tar: [UInt8], createdBy: String) throws {
        let compressed = try gzip(tar)
        let digest = sha256Digest(compressed)
        blobs[digest] = compressed
        layerDigests.append(digest)
        diffIDs.append(sha256Digest(tar))
        history.append(createdBy)
    }

    func files(user: String = "root", env: [String] = ["PATH=/usr/bin"], tamper: Bool = false) -> [String: [UInt8]] {
        var blobs = self.blobs
        let historyJSON = history.map { "{\"created_by\":\(JSONText.quoted($0))}" }.joined(separator: ",")
        let config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"User\":\(JSONText.quoted(user)),\"Env\":[\(env.map { JSONText.quoted($0) }.joined(separator: ","))],\"ExposedPorts\":{\"22/tcp\":{}}},"
            + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\(diffIDs.map { "\"\($0)\"" }.joined(separator: ","))]},\"history\":[\(historyJSON)]}"
        let configDigest = sha256Digest(Array(config.utf8))
        blobs[configDigest] = Array(config.utf8)
        let layers = layerDigests.map { "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"\($0)\",\"size\":\(self.blobs[$0]?.count ?? 0)}" }
        let manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"\(configDigest)\",\"size\":\(config.utf8.count)},\"layers\":[\(layers.joined(separator: ","))]}"
        let manifestDigest = sha256Digest(Array(manifest.utf8))
        blobs[manifestDigest] = Array(manifest.utf8)
        if tamper, let first = layerDigests.first, var bytes = blobs[first] {
            bytes[bytes.count / 2] ^= 0xff
            blobs[first] = bytes
        }
        var files: [String: [UInt8]] = ["oci-layout": Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8),
                                        "index.json": Array("{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"\(manifestDigest)\",\"size\":\(manifest.utf8.count)}]}".utf8)]
        for (digest, bytes) in blobs { files["blobs/" + digest.replacingOccurrences(of: ":", with: "/")] = bytes }
        return files
    }

    static func write(_ files: [String: [UInt8]], to directory: URL) throws {
        for (path, bytes) in files {
            let url = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: url)
        }
    }

    static func tar(_ files: [String: [UInt8]]) -> [UInt8] {
        var writer = TarWriter()
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            writer.header(name: path, size: bytes.count, mode: 0o644, type: UInt8(ascii: "0"))
            writer.body(bytes)
        }
        return writer.finished()
    }
}

@Suite("Image reading")
struct ImageReaderTests {
    static let status = """
        Package: libssl3
        Status: install ok installed
        Architecture: amd64
        Source: openssl
        Version: 3.0.11-1~deb12u2

        Package: libssh2-1
        Status: install ok installed
        Architecture: amd64
        Source: libssh2 (1.10.0-3)
        Version: 1.10.0-3+b1

        Package: removed-one
        Status: deinstall ok config-files
        Version: 1.0-1

        """

    static func sampleLayout() throws -> LayoutBuilder {
        var builder = LayoutBuilder()
        try builder.addLayer(TarWriter.make([
            .directory("./etc/"), .file("./etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"),
            .file("./var/lib/dpkg/status", status), .file("./app/old.txt", "x"), .file("./app/.env", "TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789AB\n"),
            .file("./dir/a", "a"), .file("./dir/b", "b"), .file("./usr/bin/passwd", "x", mode: 0o4755),
        ]), createdBy: "base")
        let longName = "usr/lib/python3/dist-packages/" + String(repeating: "n", count: 90) + "/requests-2.19.1.dist-info/METADATA"
        try builder.addLayer(TarWriter.make([
            .file("app/.wh.old.txt", ""), .file("app/.wh..env", ""), .file("dir/.wh..wh..opq", ""), .file("dir/c", "c"), .file("../escape", "x"),
            .file("usr/local/bin/helper", "x", mode: 0o4755), .symlink("etc/alt-release", "../etc/os-release"),
            .file(longName, "Metadata-Version: 2.1\nName: requests\nVersion: 2.19.1\n\nbody\n"),
        ]), createdBy: "ADD https://example.com/x.tar.gz /opt/")
        return builder
    }

    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func layoutDirectoryAndArchiveAgree() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.sampleLayout().files()
        try LayoutBuilder.write(files, to: directory.appendingPathComponent("layout"))
        let tarURL = directory.appendingPathComponent("image.oci.tar")
        try Data(LayoutBuilder.tar(files)).write(to: tarURL)
        let gzURL = directory.appendingPathComponent("image.oci.tar.gz")
        try Data(gzip(LayoutBuilder.tar(files))).write(to: gzURL)

        for path in [directory.appendingPathComponent("layout").path, tarURL.path, gzURL.path] {
            let image = try ImageReader().read(path: path)
            let tree = image.tree.files
            #expect(image.digest?.hasPrefix("sha256:") == true)
            #expect(image.layers.count == 2)
            #expect(tree["app/old.txt"] == nil, "whiteout applied")
            #expect(tree["app/.env"] == nil, "whiteout applied")
            #expect(tree["dir/a"] == nil && tree["dir/b"] == nil && tree["dir/c"] != nil, "opaque directory applied")
            #expect(tree["escape"] == nil && tree["../escape"] == nil)
            #expect(image.diagnostics.contains { $0.message.contains("outside the image root") })
            #expect(image.tree.resolve("etc/alt-release") == "etc/os-release")

            let inventory = PackageCatalog.inventory(of: image)
            #expect(inventory.operatingSystem?.ecosystem?.1 == "Debian:12")
            let names = Set(inventory.packages.map { "\($0.ecosystem.rawValue)/\($0.name)@\($0.version)" })
            #expect(names == ["Debian/libssl3@3.0.11-1~deb12u2", "Debian/libssh2-1@1.10.0-3+b1", "PyPI/requests@2.19.1"])
            let ssh = inventory.packages.first { $0.name == "libssh2-1" }
            #expect(ssh?.sourceName == "libssh2" && ssh?.sourceVersion == "1.10.0-3")
            #expect(ssh?.purl == "pkg:deb/debian/libssh2-1@1.10.0-3%2Bb1?arch=amd64&distro=debian-12&upstream=libssh2%401.10.0-3" || ssh?.purl.contains("upstream=libssh2") == true)
            #expect(inventory.packages.first { $0.name == "requests" }?.layer == 1)

            // The checks on the image: setuid above the base, the credential in a deleted file, root, SSH, ADD URL.
            let suite = ImageSuite()
            let result = Scanner(registry: CheckRegistry(suites: [suite])).scan([], sourced: [InputRead(models: [image])])
            let ids = Set(result.findings.map(\.checkID))
            #expect(ids == ["imageSetuidAdded", "imageCredentialFile", "imageRunsAsRoot", "imageSSHExposed", "imageAddFromURL"])
            #expect(result.findings.filter { $0.checkID == "imageSetuidAdded" }.map(\.fieldPath) == ["layers[1]:/usr/local/bin/helper"])
            let credential = result.findings.first { $0.checkID == "imageCredentialFile" }
            #expect(credential?.location.line == 1 && credential?.location.file.hasSuffix("/app/.env") == true)
            #expect(credential?.message.contains("ghp_abcdef") == false, "never printed")
            // No database: vulnerabilities are not assessed, never passed.
            #expect(result.notAssessed.contains { $0.checkID == "imageVulnerablePackage" })
        }
    }

    @Test func tamperedBlobIsRefused() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = try Self.sampleLayout().files(tamper: true)
        let tarURL = directory.appendingPathComponent("image.oci.tar")
        try Data(LayoutBuilder.tar(files)).write(to: tarURL)
        #expect {
            try ImageReader().read(path: tarURL.path)
        } throws: { error in
            String(describing: error).contains("does not match its digest") || String(describing: error).contains("not valid compressed data")
        }
    }

    @Test func badArchives() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let layer = TarWriter.make([.file("big", String(repeating: "A", count: 1 << 20))])
        // A layer that expands past the cap (a gzip bomb, scaled down).
        var builder = LayoutBuilder()
        try builder.addLayer(layer, createdBy: "bomb")
        let bomb = directory.appendingPathComponent("bomb.tar")
        try Data(LayoutBuilder.tar(builder.files())).write(to: bomb)
        #expect { try ImageReader(options: .init(maxLayerBytes: 64 << 10)).read(path: bomb.path) } throws: { String(describing: $0).contains("expands to more than") }
        // Truncated: the archive cut in the middle of a blob.
        let whole = LayoutBuilder.tar(try Self.sampleLayout().files())
        let truncated = directory.appendingPathComponent("truncated.tar")
        try Data(whole.prefix(whole.count / 2)).write(to: truncated)
        #expect { try ImageReader().read(path: truncated.path) } throws: { error in
            let text = String(describing: error)
            return text.contains("truncated") || text.contains("ends early") || text.contains("missing") || text.contains("is not in the image")
        }
        // Not an archive at all; a damaged tar header.
        let text = directory.appendingPathComponent("notes.txt")
        try Data("hello".utf8).write(to: text)
        #expect { try ImageReader().read(path: text.path) } throws: { String(describing: $0).contains("not an image archive") }
        var damaged = whole
        damaged[10] ^= 0x55
        let damagedURL = directory.appendingPathComponent("damaged.tar")
        try Data(damaged).write(to: damagedURL)
        #expect { try ImageReader().read(path: damagedURL.path) } throws: { error in
            let text = String(describing: error)
            return text.contains("checksum") || text.contains("not an image archive")
        }
    }

    @Test func goBuildInfoParses() throws {
        // The inline format: header, then varint-prefixed version and module strings.
        var blob: [UInt8] = [0xff] + Array(" Go buildinf:".utf8) + [8, 2]
        blob += [UInt8](repeating: 0, count: 32 - blob.count)
        let version = Array("go1.22.1".utf8)
        let modules = [UInt8](repeating: 0x30, count: 16) + Array("path\texample.com/app\nmod\texample.com/app\t(devel)\t\ndep\tgolang.org/x/text\tv0.3.7\th1:x\n".utf8) + [UInt8](repeating: 0x31, count: 16)
        blob += [UInt8(version.count)] + version + [UInt8(modules.count & 0x7f | 0x80), UInt8(modules.count >> 7)] + modules
        let binary: [UInt8] = [0x7f, 0x45, 0x4c, 0x46] + [UInt8](repeating: 0, count: 300_000) + blob + [UInt8](repeating: 0, count: 100)
        let info = try GoBuildInfo.scan(MemoryStream(binary))
        #expect(info?.goVersion == "go1.22.1")
        #expect(info?.dependencies == [GoBuildInfo.Module(path: "golang.org/x/text", version: "v0.3.7")])
        #expect(try GoBuildInfo.scan(MemoryStream(Array("#!/bin/sh\necho".utf8))) == nil)
    }
}

@Suite("RPM databases")
struct RPMTests {
    /// An RPM header blob as rpmdb.sqlite stores it, written by the test.
    static func header(_ strings: [(UInt32, String)], epoch: UInt32? = nil) -> [UInt8] {
        var data: [UInt8] = []
        var entries: [(UInt32, UInt32, UInt32, UInt32)] = []
        for (tag, value) in strings {
            entries.append((tag, 6, UInt32(data.count), 1))
            data += Array(value.utf8) + [0]
        }
        if let epoch {
            while data.count % 4 != 0 { data.append(0) }
            entries.append((1003, 4, UInt32(data.count), 1))
            data += [UInt8(epoch >> 24), UInt8((epoch >> 16) & 0xff), UInt8((epoch >> 8) & 0xff), UInt8(epoch & 0xff)]
        }
        func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }
        return be(UInt32(entries.count)) + be(UInt32(data.count)) + entries.flatMap { be($0.0) + be($0.1) + be($0.2) + be($0.3) } + data
    }

    @Test func amazonLinux2023Database() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rpmdb-\(UUID().uuidString).sqlite").path
        defer { unlink(file) }
        let queue = try DatabaseQueue(path: file)
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)")
            for blob in [Self.header([(1000, "openssl-libs"), (1001, "3.0.8"), (1002, "1.amzn2023.0.14"), (1022, "x86_64"), (1044, "openssl-3.0.8-1.amzn2023.0.14.src.rpm"), (1014, "Apache-2.0")], epoch: 1),
                         Self.header([(1000, "gpg-pubkey"), (1001, "d832bc31"), (1002, "1")]),
                         Array("not a header".utf8)] {
                try db.execute(sql: "INSERT INTO Packages (blob) VALUES (?)", arguments: [Data(blob)])
            }
        }
        let bytes = try FileStream(path: file).readAll(limit: 1 << 20, place: file)
        let os = OperatingSystem(id: "amzn", versionID: "2023", prettyName: nil, codename: nil)
        let packages = try RPMDatabase.read(bytes, path: "var/lib/rpm/rpmdb.sqlite", os: os, layer: 0)
        #expect(packages.count == 1)
        let openssl = try #require(packages.first)
        #expect(openssl.name == "openssl-libs" && openssl.version == "1:3.0.8-1.amzn2023.0.14")
        #expect(openssl.sourceName == "openssl" && openssl.sourceVersion == "3.0.8-1.amzn2023.0.14")
        #expect(openssl.purl.hasPrefix("pkg:rpm/amzn/openssl-libs@"))
        #expect(Rpm.compare("3.0.8-1.amzn2023.0.14", "3.0.8-1.amzn2023.0.2") == 1)
    }
}

@Suite("Java archives and zip exports")
struct ZipTests {
    /// A zip written by Python's zipfile (deflate), entries given as name → text or nested zip.
    static func zip(_ entries: [(String, String)], nested: [(String, [(String, String)])] = []) throws -> [UInt8] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-zip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("spec.py")
        func literal(_ pairs: [(String, String)]) -> String { "[" + pairs.map { "(\(JSONText.quoted($0.0)), \(JSONText.quoted($0.1)))" }.joined(separator: ", ") + "]" }
        let script = """
            import io, sys, zipfile
            def make(pairs, nested=()):
                b = io.BytesIO()
                with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
                    for n, t in pairs: z.writestr(n, t)
                    for n, p in nested: z.writestr(n, make(p))
                return b.getvalue()
            open(sys.argv[1], "wb").write(make(\(literal(entries)), [\(nested.map { "(\(JSONText.quoted($0.0)), \(literal($0.1)))" }.joined(separator: ", "))]))
            """
        try script.write(to: spec, atomically: true, encoding: .utf8)
        let out = directory.appendingPathComponent("out.zip").path
        let result = try RegistryTools.run(["python3", spec.path, out])
        guard result.status == 0 else { throw ArchiveError("python3", result.output) }
        return try FileStream(path: out).readAll(limit: 16 << 20, place: out)
    }

    @Test(.enabled(if: PeerTools.onPath("python3"), "skipped: needs python3 to write the zip archives"))
    func jarWithNestedLibraries() throws {
        let jar = try Self.zip([("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n"),
                                ("META-INF/maven/com.example/app/pom.properties", "groupId=com.example\nartifactId=app\nversion=1.0.0\n")],
                               nested: [("BOOT-INF/lib/log4j-core-2.14.1.jar", [("META-INF/maven/org.apache.logging.log4j/log4j-core/pom.properties",
                                                                                  "#Generated\nversion=2.14.1\ngroupId=org.apache.logging.log4j\nartifactId=log4j-core\n")]),
                                        ("BOOT-INF/lib/plain.jar", [("META-INF/MANIFEST.MF", "Implementation-Title: plain\nImplementation-Version: 3.2\n")])])
        let artifacts = try JavaArchive.artifacts(jar, path: "app/app.jar")
        #expect(Set(artifacts.map { "\($0.name)@\($0.version)" }) == ["com.example:app@1.0.0", "org.apache.logging.log4j:log4j-core@2.14.1", "plain@3.2"])
        #expect(artifacts.contains { $0.path == "app/app.jar!BOOT-INF/lib/log4j-core-2.14.1.jar" })
        // log4j-core 2.14.1 is before the 2.15.0 fix; Maven's order.
        let log4j = Advisory.Affected(ecosystem: "Maven", name: "org.apache.logging.log4j:log4j-core",
                                      ranges: [Advisory.Range(type: "ECOSYSTEM", events: [.introduced("2.0-beta9"), .fixed("2.15.0")])], versions: [])
        #expect(VulnerabilityMatcher.affects("2.14.1", log4j, ecosystem: .maven)?.fixed == "2.15.0")
        #expect(VulnerabilityMatcher.affects("2.17.1", log4j, ecosystem: .maven) == nil)
        #expect(Maven.compare("2.0-beta9", "2.0") == -1 && Maven.compare("1.0-SNAPSHOT", "1.0") == -1 && Maven.compare("1.0", "1.0-sp1") == -1)
        // Damaged archives say why.
        #expect(throws: ArchiveError.self) { try JavaArchive.artifacts(Array(jar.prefix(jar.count / 2)), path: "cut.jar") }
    }

    @Test(.enabled(if: PeerTools.onPath("python3"), "skipped: needs python3 to write the zip archives"))
    func osvZipExportImports() throws {
        let record = #"{"id":"GHSA-test-0001","modified":"2026-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}"#
        let export = try Self.zip([("GHSA-test-0001.json", record), ("broken.json", "{\"id\": ")])
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-osvzip-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data(export).write(to: directory.appendingPathComponent("all.zip"))
        let database = try VulnerabilityDatabase(path: directory.appendingPathComponent("db.sqlite").path, create: true)
        let report = try VulnerabilityImporter().importPaths([directory.path], into: database)
        #expect(report.advisories == 1)
        #expect(report.diagnostics.contains { $0.file.hasSuffix("all.zip!broken.json") })
        #expect(try database.advisories(ecosystem: "npm", name: "left-pad").map(\.id) == ["GHSA-test-0001"])
    }
}

@Suite("Executables")
struct ExecutableTests {
    static func le(_ value: Int, _ width: Int) -> [UInt8] { (0..<width).map { UInt8((value >> (8 * $0)) & 0xff) } }

    /// An ELF64 file with the given sections, written by the test.
    static func elf(_ sections: [(String, [UInt8])]) -> [UInt8] {
        var names: [UInt8] = [0]
        var nameOffsets: [Int] = []
        for (name, _) in sections + [(".shstrtab", [])] {
            nameOffsets.append(names.count)
            names += Array(name.utf8) + [0]
        }
        var body: [UInt8] = []
        var offsets: [Int] = []
        for (_, data) in sections {
            offsets.append(64 + body.count)
            body += data
        }
        let namesOffset = 64 + body.count
        body += names
        let shoff = 64 + body.count
        var header = [UInt8](repeating: 0, count: 64)
        header.replaceSubrange(0..<7, with: [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1])
        header.replaceSubrange(0x28..<0x30, with: le(shoff, 8))
        header.replaceSubrange(0x3a..<0x3c, with: le(64, 2))
        header.replaceSubrange(0x3c..<0x3e, with: le(sections.count + 2, 2))
        header.replaceSubrange(0x3e..<0x40, with: le(sections.count + 1, 2))
        func section(_ name: Int, _ offset: Int, _ size: Int) -> [UInt8] {
            le(name, 4) + le(1, 4) + le(0, 8) + le(0, 8) + le(offset, 8) + le(size, 8) + [UInt8](repeating: 0, count: 24)
        }
        var headers = [UInt8](repeating: 0, count: 64)
        for (index, (_, data)) in sections.enumerated() { headers += section(nameOffsets[index], offsets[index], data.count) }
        headers += section(nameOffsets[sections.count], namesOffset, names.count)
        return header + body + headers
    }

    @Test func goBuildInfoAndCargoAuditableFromSections() throws {
        var buildinfo: [UInt8] = GoBuildInfo.magic + [8, 2]
        buildinfo += [UInt8](repeating: 0, count: 32 - buildinfo.count)
        let version = Array("go1.21.5".utf8)
        let modules = [UInt8](repeating: 0x30, count: 16) + Array("mod\texample.com/tool\tv1.2.0\t\ndep\tgolang.org/x/net\tv0.17.0\th1:x\n".utf8) + [UInt8](repeating: 0x31, count: 16)
        buildinfo += [UInt8(version.count)] + version + [UInt8(modules.count)] + modules
        let json = #"{"packages":[{"name":"tool","version":"0.1.0","source":"local","kind":"runtime"},{"name":"smallvec","version":"1.6.0","source":"crates.io","kind":"runtime"}]}"#
        let binary = Self.elf([(".text", [UInt8](repeating: 0x90, count: 4096)), (".go.buildinfo", buildinfo), (".dep-v0", try gzip(Array(json.utf8)))])
        let facts = try #require(try ExecutableFacts.scan(MemoryStream(binary), size: binary.count))
        #expect(facts.go?.goVersion == "go1.21.5")
        #expect(facts.go?.main?.path == "example.com/tool")
        #expect(facts.go?.dependencies.map(\.path) == ["golang.org/x/net"])
        #expect(facts.crates == [GoBuildInfo.Module(path: "smallvec", version: "1.6.0")], "registry crates only")
        // Damaged section headers: nothing invented, no crash.
        var damaged = binary
        damaged.replaceSubrange(0x28..<0x30, with: Self.le(Int(Int32.max), 8))
        #expect(ELF.sections(damaged).isEmpty)
        #expect(try ExecutableFacts.scan(MemoryStream(damaged), size: damaged.count)?.go?.goVersion == "go1.21.5", "found by searching")
    }
}
