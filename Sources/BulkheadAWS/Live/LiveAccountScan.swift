import AsyncHTTPClient
import BulkheadCore
import Foundation
import NIOCore
import NIOHTTP1

/// `bulkhead aws scan`: resolves credentials, reads every region asked for, and hands the
/// account to the AWS checks through the same `Scanner` pipeline as files (so `.bulkhead.yaml`
/// exceptions and every report format apply). A service that could not be read makes the checks
/// of its resource types "not assessed" for the region, with the reason.
public struct LiveAccountScan: InputSource {
    public var profile: String?
    public var regions: [String]
    public var endpointURL: String?
    public var environment: [String: String]
    /// Per request.
    public var timeoutSeconds: Int64

    public init(profile: String?, regions: [String], endpointURL: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                timeoutSeconds: Int64 = 15) {
        self.profile = profile
        self.regions = regions
        self.endpointURL = endpointURL
        self.environment = environment
        self.timeoutSeconds = timeoutSeconds
    }

    public struct Read: Sendable {
        public var account: String
        public var regions: [String]
        public var inventory: AWSInventory
        public var failures: [(region: String, failure: LiveScanner.Failure)]
        public var credentialSource: String

        /// The account as the engine takes any source: its resources, and per region the types
        /// whose API failed (their checks are "not assessed" there).
        public var input: InputRead {
            let gaps = failures.map { region, failure in
                AWSCoverageGap(types: failure.types, reason: failure.reason,
                               location: SourceLocation(file: "aws://\(account)/\(region)", line: 0, column: 0),
                               ref: ResourceRef(apiVersion: "aws", kind: failure.types.sorted().joined(separator: ", "), namespace: nil,
                                                name: "\(account)/\(region)"))
            }
            return InputRead(models: [AWSResourceSet(resources: inventory.resources, gaps: gaps)])
        }
    }

    public var name: String { "aws://" + (profile ?? "default") }

    public func read(context: ReadContext) async throws -> InputRead {
        try await read().input
    }

    /// Sends one plain HTTP request (for the credential chain's STS, container and IMDS calls).
    public static func send(_ http: HTTPClient, _ spec: HTTPRequestSpec) async throws -> (status: Int, body: [UInt8]) {
        var request = HTTPClientRequest(url: spec.url)
        request.method = HTTPMethod(rawValue: spec.method)
        for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
        if !spec.body.isEmpty { request.body = .bytes(ByteBuffer(bytes: spec.body)) }
        let response = try await http.execute(request, timeout: .seconds(spec.timeoutSeconds))
        var buffer = try await response.body.collect(upTo: 1024 * 1024)
        return (Int(response.status.code), buffer.readBytes(length: buffer.readableBytes) ?? [])
    }

    public func read() async throws -> Read {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await read(with: http)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private func read(with http: HTTPClient) async throws -> Read {
        let chain = CredentialChain(environment: environment, profile: profile) { try await Self.send(http, $0) }
        let configuration = try await chain.resolve()
        let endpoint = endpointURL ?? configuration.endpointURL
        let regions = regions.isEmpty ? [configuration.region ?? "us-east-1"] : regions
        // The account, from STS (also proves the credentials work).
        let probe = AWSClient(credentials: configuration.credentials, region: regions[0], endpointURL: endpoint, http: http,
                              timeoutSeconds: timeoutSeconds)
        let identity = try await probe.query("sts", "GetCallerIdentity", version: "2011-06-15")
        let account = identity["Account"]?.awsString ?? profile ?? "account"
        var resources: [AWSResource] = []
        var failures: [(region: String, failure: LiveScanner.Failure)] = []
        for region in regions {
            let client = AWSClient(credentials: configuration.credentials, region: region, endpointURL: endpoint, http: http,
                                   timeoutSeconds: timeoutSeconds)
            let output = await LiveScanner(client: client, accountLabel: account).scan()
            resources += output.resources
            failures += output.failures.map { (region, $0) }
        }
        return Read(account: account, regions: regions, inventory: AWSInventory(resources), failures: failures, credentialSource: configuration.source)
    }
}
