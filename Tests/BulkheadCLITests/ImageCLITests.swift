import BulkheadTestSupport
import Foundation
import Testing

@Suite("Image commands")
struct ImageCLITests {
    static var images: URL { Shared.root.appendingPathComponent("images") }
    static var hasImages: Bool { FileManager.default.fileExists(atPath: images.appendingPathComponent("app.oci.tar").path) }

    func temporary() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-cli-image-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func unreadableImagesExitTwoAndNameThePlace() throws {
        let directory = try temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        let junk = directory.appendingPathComponent("junk.tar")
        try Data(repeating: 0x41, count: 2048).write(to: junk)
        let outcome = try CLI.run(["image", "scan", junk.path, "-f", "json"])
        #expect(outcome.status == 2)
        #expect(outcome.stderr.contains("junk.tar") && outcome.stderr.contains("not an image archive"))
        let missing = try CLI.run(["image", "scan", directory.appendingPathComponent("nothing.tar").path])
        #expect(missing.status == 2)
    }

    @Test func dockerfilesAreFoundInADirectoryAndReportedAtTheirLines() throws {
        let directory = try temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        try "FROM python:3.12\nRUN pip install flask\nCMD python app.py\n".write(to: directory.appendingPathComponent("Dockerfile"), atomically: true, encoding: .utf8)
        try "FROM alpine:3.20\nUSER 1000\nHEALTHCHECK NONE\n".write(to: directory.appendingPathComponent("Dockerfile.dev"), atomically: true, encoding: .utf8)
        // Notes beside a Dockerfile are neither a Dockerfile nor YAML: not picked up.
        try "# Notes\n\n- build: [with care\n".write(to: directory.appendingPathComponent("Dockerfile.md"), atomically: true, encoding: .utf8)
        let outcome = try CLI.run(["scan", directory.path, "-f", "json", "--only", "dockerfile"])
        #expect(outcome.status == 1)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any])
        let findings = (report["findings"] as? [[String: Any]]) ?? []
        let places = Set(findings.compactMap { finding -> String? in
            guard let id = finding["checkID"] as? String, let line = finding["line"] as? Int else { return nil }
            return "\(id):\(line)"
        })
        #expect(places.isSuperset(of: ["dockerfileRootUser:1", "dockerfilePackageCacheKept:2", "dockerfileUnpinnedPackages:2", "dockerfileShellFormEntrypoint:3"]), "\(places)")
        #expect(!findings.contains { ($0["file"] as? String)?.hasSuffix("Dockerfile.dev") == true && ($0["severity"] as? String) != "info" })
    }

    @Test(.enabled(if: ImageCLITests.hasImages, "skipped: needs ../shared/images and ../shared/vulndb beside the repository"))
    func scanSbomDatabaseAndMatrix() throws {
        let directory = try temporary()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("vulndb.sqlite").path
        let app = Self.images.appendingPathComponent("app.oci.tar").path
        let imported = try CLI.run(["db", "import", "--vulndb", database, Shared.root.appendingPathComponent("vulndb/osv").path, "-f", "json"])
        #expect(imported.status == 0, "\(imported.stderr)")
        let status = try CLI.run(["db", "status", "--vulndb", database, "-f", "json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect((summary["advisories"] as? Int ?? 0) > 8000)
        #expect(summary["stale"] as? Bool == false)

        let scan = try CLI.run(["image", "scan", "--vulndb", database, app, "-f", "sarif", "-o", directory.appendingPathComponent("out.sarif").path])
        #expect(scan.status == 1)
        let sarif = try String(contentsOf: directory.appendingPathComponent("out.sarif"), encoding: .utf8)
        #expect(sarif.contains("imageVulnerablePackage") && sarif.contains("GO-2022-1059") && !sarif.contains("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"))

        let sbom = try CLI.run(["image", "sbom", "-f", "spdx", app])
        #expect(sbom.status == 0)
        #expect((try? JSONSerialization.jsonObject(with: Data(sbom.stdout.utf8))) != nil)

        // Without a database the vulnerability judgement is not assessed: the image row is partial, never a pass.
        let noDatabase = try CLI.run(["matrix", "--vulndb", directory.appendingPathComponent("none.sqlite").path, "--image",
                                      Self.images.appendingPathComponent("debian-bookworm.oci.tar").path, "-f", "json"])
        let matrix = try #require(try JSONSerialization.jsonObject(with: Data(noDatabase.stdout.utf8)) as? [String: Any])
        let results = (matrix["controls"] as? [[String: Any]]) ?? []
        let imageRow = results.first { $0["id"] as? String == "CUST-IMAGE-SECURITY" }
        #expect(imageRow?["status"] as? String == "partial", "\(String(describing: imageRow?["reason"]))")
        let withDatabase = try CLI.run(["matrix", "--vulndb", database, "--image", app, "-f", "json"])
        let full = try #require(try JSONSerialization.jsonObject(with: Data(withDatabase.stdout.utf8)) as? [String: Any])
        let scanning = ((full["controls"] as? [[String: Any]]) ?? []).first { $0["id"] as? String == "ASSUME-CONTAINER-IMAGE-SCANNING" }
        #expect(scanning?["status"] as? String == "fail")
    }

    @Test(.enabled(if: ImageCLITests.hasImages, "skipped: needs ../shared/images (images and their test signatures)"))
    func verifyExitCodes() throws {
        let signatures = Self.images.appendingPathComponent("signatures")
        let layout = signatures.appendingPathComponent("layout").path
        let app = Self.images.appendingPathComponent("app.oci.tar").path
        let good = try CLI.run(["image", "verify", app, "--signatures", layout, "--key", signatures.appendingPathComponent("cosign.pub").path, "-f", "json"])
        #expect(good.status == 0, "\(good.stdout)\(good.stderr)")
        #expect(good.stdout.contains("\"verified\":true"))
        let wrong = try CLI.run(["image", "verify", app, "--signatures", layout, "--key", signatures.appendingPathComponent("other.pub").path])
        #expect(wrong.status == 1 && wrong.stdout.contains("NOT VERIFIED"))
        let docker = try CLI.run(["image", "verify", Self.images.appendingPathComponent("app.docker.tar.gz").path, "--signatures", layout,
                                  "--key", signatures.appendingPathComponent("cosign.pub").path])
        #expect(docker.status == 2 && docker.stdout.contains("no manifest digest"))
    }
}
