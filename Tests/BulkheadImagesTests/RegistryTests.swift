@testable import BulkheadImages
import BulkheadCore
import BulkheadTestSupport
import Foundation
import AsyncHTTPClient
import Testing

/// Debian's docker-registry on a loopback port, with TLS (a CA made by the test) and basic auth
/// (htpasswd), the shared app image pushed into it with skopeo; Bulkhead pulls it back.
enum RegistryTools {
    static func which(_ tool: String) -> Bool {
        ["/usr/bin/", "/usr/sbin/", "/usr/local/bin/"].contains { FileManager.default.isExecutableFile(atPath: $0 + tool) }
    }

    static var present: Bool {
        ["docker-registry", "skopeo", "htpasswd", "openssl"].allSatisfy(which) && SharedImages.present
    }

    @discardableResult
    static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        try Command.run(arguments, input: input)
    }
}

@Suite("Registry pulls", .enabled(if: RegistryTools.present, "skipped: needs docker-registry, skopeo, htpasswd (apache2-utils) and openssl from Debian, and ../shared/images"))
struct RegistryTests {
    final class Registry {
        let directory: URL
        let port: Int
        let process: Process

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-registry-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("storage"), withIntermediateDirectories: true)
            let d = directory.path
            try RegistryTools.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                                   "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", "\(d)/key.pem", "-out", "\(d)/cert.pem"])
            let htpasswd = try RegistryTools.run(["htpasswd", "-Bbn", "bulkhead", "s3cret-pass"]).output
            try htpasswd.trimmingCharacters(in: .whitespacesAndNewlines).appending("\n").write(toFile: "\(d)/htpasswd", atomically: true, encoding: .utf8)
            var chosen = 0
            var started: Process?
            for _ in 0..<5 {
                let candidate = Int.random(in: 30000..<60000)
                let config = """
                    version: 0.1
                    log: {level: error}
                    storage: {filesystem: {rootdirectory: \(d)/storage}}
                    http: {addr: "127.0.0.1:\(candidate)", tls: {certificate: \(d)/cert.pem, key: \(d)/key.pem}}
                    auth: {htpasswd: {realm: bulkhead-test, path: \(d)/htpasswd}}
                    """
                try config.write(toFile: "\(d)/config.yml", atomically: true, encoding: .utf8)
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
                process.arguments = ["serve", "\(d)/config.yml"]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                // Up when it answers (401 without credentials).
                for _ in 0..<50 {
                    if try RegistryTools.run(["openssl", "s_client", "-connect", "127.0.0.1:\(candidate)", "-brief"], input: "").output.contains("CONNECTION ESTABLISHED") { break }
                    Thread.sleep(forTimeInterval: 0.1)
                }
                if process.isRunning {
                    chosen = candidate
                    started = process
                    break
                }
            }
            guard let started else { throw ArchiveError("docker-registry", "did not start") }
            port = chosen
            process = started
        }

        func push(_ archive: String, as name: String) throws {
            let outcome = try RegistryTools.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "bulkhead:s3cret-pass",
                                                 "oci-archive:\(archive)", "docker://127.0.0.1:\(port)/\(name)"])
            if outcome.status != 0 { throw ArchiveError("skopeo", outcome.output) }
        }

        deinit {
            process.terminate()
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }
    }

    func client(_ registry: Registry, password: String?) -> RegistryClient {
        var options = RegistryClient.Options()
        options.caFile = registry.directory.appendingPathComponent("cert.pem").path
        options.username = password == nil ? nil : "bulkhead"
        options.password = password
        options.environment = ["HOME": registry.directory.path]
        return RegistryClient(options: options)
    }

    @Test func pullsWithTLSAndBasicAuth() async throws {
        let registry = try Registry()
        let archive = SharedImages.images.appendingPathComponent("app.oci.tar").path
        try registry.push(archive, as: "bulkhead/app:v1")
        let pulled = try await client(registry, password: "s3cret-pass").pull("127.0.0.1:\(registry.port)/bulkhead/app:v1", reader: ImageReader())
        let local = try ImageReader().read(path: archive)
        #expect(pulled.name == "127.0.0.1:\(registry.port)/bulkhead/app:v1")
        #expect(pulled.config.diffIDs == local.config.diffIDs, "the same layers")
        let key = { (p: Package) in "\(p.ecosystem.rawValue)/\(p.name)@\(p.version)" }
        #expect(Set(PackageCatalog.inventory(of: pulled).packages.map(key)) == Set(PackageCatalog.inventory(of: local).packages.map(key)))
        // By digest too.
        let digest = try #require(pulled.digest)
        let byDigest = try await client(registry, password: "s3cret-pass").pull("127.0.0.1:\(registry.port)/bulkhead/app@\(digest)", reader: ImageReader())
        #expect(byDigest.digest == digest)

        // Wrong password, no credentials: clear errors, nothing read.
        await #expect { try await client(registry, password: "wrong").pull("127.0.0.1:\(registry.port)/bulkhead/app:v1", reader: ImageReader()) }
            throws: { String(describing: $0).contains("401") }
        await #expect { try await client(registry, password: nil).pull("127.0.0.1:\(registry.port)/bulkhead/app:v1", reader: ImageReader()) }
            throws: { String(describing: $0).contains("user name and password") }
        // Without the CA the certificate is refused (HTTPS is not given up for a loopback registry that speaks it).
        var untrusted = RegistryClient.Options()
        untrusted.username = "bulkhead"
        untrusted.password = "s3cret-pass"
        await #expect(throws: (any Error).self) { try await RegistryClient(options: untrusted).pull("127.0.0.1:\(registry.port)/bulkhead/app:v1", reader: ImageReader()) }

        // Signatures in the registry, where cosign puts them (the tag sha256-<digest>.sig).
        if SharedSignatures.present {
            let layout = SharedSignatures.directory.appendingPathComponent("layout").path
            let tag = CosignVerifier.signatureTag(digest)
            let pushed = try RegistryTools.run(["skopeo", "copy", "--dest-tls-verify=false", "--dest-creds", "bulkhead:s3cret-pass",
                                                "oci:\(layout):\(tag)", "docker://127.0.0.1:\(registry.port)/bulkhead/app:\(tag)"])
            #expect(pushed.status == 0, "\(pushed.output)")
            let found = try await client(registry, password: "s3cret-pass").signatures("127.0.0.1:\(registry.port)/bulkhead/app:v1", imageDigest: nil)
            #expect(found.digest == digest)
            let manifest = try #require(found.manifest)
            let verdicts = CosignVerifier.verify(manifest: manifest, blobs: found.blobs, imageDigest: found.digest, keys: [try SharedSignatures.key("cosign.pub")], place: found.place)
            #expect(verdicts.map(\.verified) == [true])
            // The Debian image was pushed unsigned: no signature tag.
            try registry.push(SharedImages.images.appendingPathComponent("debian-bookworm.oci.tar").path, as: "bulkhead/debian:bookworm")
            let unsigned = try await client(registry, password: "s3cret-pass").signatures("127.0.0.1:\(registry.port)/bulkhead/debian:bookworm", imageDigest: nil)
            #expect(unsigned.manifest == nil)
        }
    }
}

@Suite("Image references")
struct ImageReferenceTests {
    @Test func references() {
        #expect(ImageReference("nginx")?.description == "docker.io/library/nginx:latest")
        #expect(ImageReference("ghcr.io/org/app:1.2")?.repository == "org/app")
        #expect(ImageReference("localhost:5000/app")?.isLoopback == true)
        #expect(ImageReference("123456789012.dkr.ecr.eu-west-1.amazonaws.com/app:v1")?.ecrRegion == "eu-west-1")
        #expect(ImageReference("app@sha256:abc") == nil, "a malformed digest")
        #expect(ImageReference("UPPER/case") == nil)
        #expect(RegistryClient.Session.challengeParameters(#"realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull""#)
            == ["realm": "https://auth.example/token", "service": "registry.example", "scope": "repository:a/b:pull"])
        #expect(Base64.decode(Base64.encode(Array("AWS:pässword".utf8))) == Array("AWS:pässword".utf8))
    }
}

/// ECR's registry credentials through the AWS credential chain, against the local AWS emulator.
@Suite("ECR credentials", .enabled(if: ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"] != nil, "skipped: BULKHEAD_MOTO_SEED is not set (scripts/test starts and seeds the AWS emulator from ../shared/aws-emulator)"))
struct ECRCredentialTests {
    @Test func authorizationTokenBecomesBasicCredentials() async throws {
        let seed = try #require(ProcessInfo.processInfo.environment["BULKHEAD_MOTO_SEED"])
        let environment = ["AWS_CONFIG_FILE": seed + "/config", "AWS_SHARED_CREDENTIALS_FILE": seed + "/credentials", "AWS_PROFILE": "weak",
                           "AWS_EC2_METADATA_DISABLED": "true", "HOME": FileManager.default.temporaryDirectory.path]
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let answer = await Result(catching: { try await RegistryClient.Session.ecrCredentials(region: "us-east-1", environment: environment, http: http) })
        try await http.shutdown()
        let (user, password) = try answer.get()
        #expect(user == "AWS")
        #expect(!password.isEmpty)
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
