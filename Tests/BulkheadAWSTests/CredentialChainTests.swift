import AsyncHTTPClient
import BulkheadAWS
import BulkheadTestSupport
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// AWS's standard credential chain, link by link. The HTTP links talk to a real local server
/// (Fixtures/credential_server.py) standing in for IMDS, the container endpoint and STS.
@Suite("Credential chain", .serialized)
struct CredentialChainTests {
    static func http(_ spec: HTTPRequestSpec) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        if !spec.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: spec.body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        var buffer = try await response.body.collect(upTo: 1 << 20)
        return (Int(response.status.code), buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    func resolve(_ environment: [String: String], profile: String? = nil) async throws -> AWSConfiguration {
        var base = ["HOME": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true"]
        base.merge(environment) { _, given in given }
        return try await CredentialChain(environment: base, profile: profile, http: Self.http).resolve()
    }

    func temporary(_ files: [String: String]) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-creds-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8) }
        return directory
    }

    @Test func environmentComesFirst() async throws {
        let resolved = try await resolve(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t", "AWS_REGION": "eu-west-1"])
        #expect(resolved.credentials == AWSCredentials(accessKeyID: "AKIAENV", secretAccessKey: "s", sessionToken: "t"))
        #expect(resolved.region == "eu-west-1" && resolved.source == "environment")
    }

    @Test func profilesFromTheSharedFiles() async throws {
        let directory = try temporary([
            "credentials": "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = d\n\n[audit]\naws_access_key_id=AKIAAUDIT\naws_secret_access_key=a\n",
            "config": "[default]\nregion = us-east-1\n\n[profile audit]\nregion = eu-central-1\nendpoint_url = http://127.0.0.1:5055\n",
        ])
        defer { try? FileManager.default.removeItem(at: directory) }
        let files = ["AWS_SHARED_CREDENTIALS_FILE": directory.appendingPathComponent("credentials").path,
                     "AWS_CONFIG_FILE": directory.appendingPathComponent("config").path]
        let audit = try await resolve(files, profile: "audit")
        #expect(audit.credentials.accessKeyID == "AKIAAUDIT" && audit.region == "eu-central-1" && audit.endpointURL == "http://127.0.0.1:5055")
        let fallback = try await resolve(files)
        #expect(fallback.credentials.accessKeyID == "AKIADEFAULT" && fallback.region == "us-east-1")
        // --profile wins over keys in the environment, as with the AWS CLI.
        let explicit = try await resolve(files.merging(["AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"]) { $1 }, profile: "audit")
        #expect(explicit.credentials.accessKeyID == "AKIAAUDIT")
    }

    @Test func credentialProcess() async throws {
        let directory = try temporary(["config": "[profile tool]\ncredential_process = printf '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"p\", \"SessionToken\": \"pt\"}'\n"])
        defer { try? FileManager.default.removeItem(at: directory) }
        let resolved = try await resolve(["AWS_CONFIG_FILE": directory.appendingPathComponent("config").path, "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"], profile: "tool")
        #expect(resolved.credentials == AWSCredentials(accessKeyID: "AKIAPROC", secretAccessKey: "p", sessionToken: "pt"))
    }

    @Test func noCredentialsIsAClearError() async {
        await #expect(throws: CredentialError.self) { try await resolve(["AWS_ACCESS_KEY_ID": "", "AWS_CONFIG_FILE": "/nonexistent"]) }
    }

    @Test func webIdentityContainerAndInstanceMetadata() async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/credential_server.py")
        let server = try LocalServer(python: [script.path])
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let token = try temporary(["token": "projected-token\n"])
        defer { try? FileManager.default.removeItem(at: token) }

        let web = try await resolve(["AWS_WEB_IDENTITY_TOKEN_FILE": token.appendingPathComponent("token").path,
                                     "AWS_ROLE_ARN": "arn:aws:iam::111111111111:role/bulkhead", "AWS_ENDPOINT_URL": base])
        #expect(web.credentials == AWSCredentials(accessKeyID: "ASIAWEBIDENTITY", secretAccessKey: "web-secret", sessionToken: "web-token"))

        let container = try await resolve(["AWS_CONTAINER_CREDENTIALS_FULL_URI": base + "/container-credentials",
                                           "AWS_CONTAINER_AUTHORIZATION_TOKEN": "container-auth-token"])
        #expect(container.credentials.accessKeyID == "ASIASTANDIN" && container.source == "container credentials endpoint")

        let instance = try await resolve(["AWS_EC2_METADATA_DISABLED": "false", "AWS_EC2_METADATA_SERVICE_ENDPOINT": base])
        #expect(instance.credentials == AWSCredentials(accessKeyID: "ASIASTANDIN", secretAccessKey: "standin-secret", sessionToken: "standin-token"))
        #expect(instance.source.contains("IMDSv2"))
    }
}
