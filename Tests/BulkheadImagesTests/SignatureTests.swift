@testable import BulkheadImages
import BulkheadCore
import BulkheadTestSupport
import Foundation
import Testing

enum SharedSignatures {
    static var directory: URL { Shared.root.appendingPathComponent("images/signatures") }
    static var present: Bool { FileManager.default.fileExists(atPath: directory.appendingPathComponent("cosign.pub").path) }
    static func text(_ name: String) throws -> String { try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) }
    static func key(_ name: String) throws -> SignatureKey { try SignatureKey(pem: text(name), name: name) }
}

@Suite("Cosign signatures", .enabled(if: SharedSignatures.present && SharedImages.present, "skipped: needs ../shared/images/signatures (test keys, payloads, signature layouts)"))
struct SignatureTests {
    @Test func layoutSignaturesVerifyWithTheRightKeyOnly() throws {
        let layout = SharedSignatures.directory.appendingPathComponent("layout").path
        for name in ["app", "debian-bookworm"] {
            let digest = try SharedSignatures.text("\(name).digest").trimmingCharacters(in: .whitespacesAndNewlines)
            let image = try ImageReader().read(path: SharedImages.images.appendingPathComponent("\(name).oci.tar").path)
            #expect(image.digest == digest)
            let good = try CosignVerifier.verify(layout: layout, imageDigest: digest, keys: [SharedSignatures.key("other.pub"), SharedSignatures.key("cosign.pub")])
            #expect(good.map(\.verified) == [true] && good.first?.key == "cosign.pub")
            #expect(good.first?.dockerReference?.hasSuffix("bulkhead/\(name == "app" ? "app" : "debian")") == true)
            let wrong = try CosignVerifier.verify(layout: layout, imageDigest: digest, keys: [SharedSignatures.key("other.pub")])
            #expect(wrong.map(\.verified) == [false] && wrong.first?.reason.contains("no given key") == true)
        }
        // The tampered payload: the original signature no longer verifies.
        let digest = try SharedSignatures.text("tampered-debian-bookworm.digest").trimmingCharacters(in: .whitespacesAndNewlines)
        let tampered = try CosignVerifier.verify(layout: SharedSignatures.directory.appendingPathComponent("layout-tampered").path, imageDigest: digest,
                                                 keys: [SharedSignatures.key("cosign.pub")])
        #expect(!tampered.contains { $0.verified })
        // No signature for an unsigned digest.
        let none = try CosignVerifier.verify(layout: layout, imageDigest: "sha256:" + String(repeating: "0", count: 64), keys: [SharedSignatures.key("cosign.pub")])
        #expect(none.first?.reason.hasPrefix("no signature") == true)
    }

    @Test func aSignatureForAnotherImageIsRefused() throws {
        let app = try SharedSignatures.text("app.digest").trimmingCharacters(in: .whitespacesAndNewlines)
        let debian = try SharedSignatures.text("debian-bookworm.digest").trimmingCharacters(in: .whitespacesAndNewlines)
        // The app's signature manifest, presented for the Debian image.
        let layout = SharedSignatures.directory.appendingPathComponent("layout")
        let index = try Data(contentsOf: layout.appendingPathComponent("index.json"))
        let entries = try #require((try JSONSerialization.jsonObject(with: index) as? [String: Any])?["manifests"] as? [[String: Any]])
        let appEntry = try #require(entries.first { (($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]) == CosignVerifier.signatureTag(app) })
        let manifestDigest = try #require(appEntry["digest"] as? String)
        func blob(_ digest: String) throws -> [UInt8] {
            [UInt8](try Data(contentsOf: layout.appendingPathComponent("blobs/" + digest.replacingOccurrences(of: ":", with: "/"))))
        }
        let manifest = try blob(manifestDigest)
        let layers = try #require((try JSONSerialization.jsonObject(with: Data(manifest)) as? [String: Any])?["layers"] as? [[String: Any]])
        var blobs: [String: [UInt8]] = [:]
        for layer in layers { if let digest = layer["digest"] as? String { blobs[digest] = try blob(digest) } }
        let verdicts = CosignVerifier.verify(manifest: manifest, blobs: blobs, imageDigest: debian, keys: [try SharedSignatures.key("cosign.pub")], place: "test")
        #expect(verdicts.map(\.verified) == [false])
        #expect(verdicts.first?.reason.contains("for another image") == true)
        // A payload blob that does not match its digest.
        var broken = blobs
        for key in broken.keys { broken[key]?[10] ^= 1 }
        #expect(CosignVerifier.verify(manifest: manifest, blobs: broken, imageDigest: app, keys: [try SharedSignatures.key("cosign.pub")], place: "t")
            .first?.reason.contains("does not match its digest") == true)
    }
}

/// Keys made by openssl in the test: needs no shared data.
@Suite("Signature keys")
struct SignatureKeyTests {
    @Test(.enabled(if: PeerTools.onPath("openssl"), "skipped: needs openssl to make Ed25519 and RSA keys"))
    func ed25519AndRSAKeys() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let d = directory.path
        let payload = Array(#"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"sha256:00"},"type":"cosign container image signature"},"optional":null}"#.utf8)
        try Data(payload).write(to: directory.appendingPathComponent("payload"))
        try Command.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", "\(d)/ed.key"])
        try Command.run(["openssl", "pkey", "-in", "\(d)/ed.key", "-pubout", "-out", "\(d)/ed.pub"])
        try Command.run(["openssl", "pkeyutl", "-sign", "-rawin", "-inkey", "\(d)/ed.key", "-in", "\(d)/payload", "-out", "\(d)/ed.sig"])
        try Command.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "\(d)/rsa.key"])
        try Command.run(["openssl", "pkey", "-in", "\(d)/rsa.key", "-pubout", "-out", "\(d)/rsa.pub"])
        try Command.run(["openssl", "dgst", "-sha256", "-sign", "\(d)/rsa.key", "-out", "\(d)/rsa.sig", "\(d)/payload"])
        for name in ["ed", "rsa"] {
            let key = try SignatureKey(pem: String(contentsOfFile: "\(d)/\(name).pub", encoding: .utf8), name: name)
            let signature = [UInt8](try Data(contentsOf: directory.appendingPathComponent("\(name).sig")))
            #expect(key.verifies(signature, over: payload), "\(name)")
            #expect(!key.verifies(signature, over: payload + [0x20]), "\(name): another payload")
        }
        #expect(throws: ArchiveError.self) { try SignatureKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", name: "junk") }
    }
}
