import AsyncHTTPClient
import BulkheadCore
import Foundation
import NIOCore
import NIOHTTP1

/// `bulkhead aws scan`: resolves credentials, reads every region asked for, and hands the
/// account to the AWS checks through the same `Scanner` pipeline as files (so `.bulkhead.yaml`
/// exceptions and every report format apply). A service that could not be read makes the checks
/// of its resource types "not assessed" for the region, with the reason.
public struct LiveAccountScan: Sendable {
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
    }

    /// Sends one plain HTTP request (for the credential chain's STS, container and IMDS calls).
    static func send(_ http: HTTPClient, _ spec: HTTPRequestSpec) async throws -> (status: Int, body: [UInt8]) {
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

    /// The checks to run on a read account, as a suite the `Scanner` runs.
    public struct Suite: CheckSuite {
        public let checks: [AWSCheck]
        public let chains: [ChainCheck]
        public let read: Read

        public init(checks: [AWSCheck], chains: [ChainCheck] = [], read: Read) {
            self.checks = checks
            self.chains = chains
            self.read = read
        }

        public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) + chains.map(\.descriptor) }

        public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
            Suite(checks: checks.filter { keep($0.descriptor) }, chains: chains.filter { keep($0.descriptor) }, read: read)
        }

        /// The account's checks, and the chains across it and the Kubernetes manifests of the scan.
        public func evaluate(_ context: ScanContext) -> SuiteOutcome {
            let suite = AWSSuite(checks: checks, chains: chains)
            var outcome = suite.evaluate(read.inventory)
            outcome.findings += suite.chainFindings(context.inventory, read.inventory)
            for (region, failure) in read.failures {
                for check in checks where !check.types.isDisjoint(with: failure.types) {
                    let kinds = check.types.intersection(failure.types).sorted().joined(separator: ", ")
                    outcome.notAssessed.append(NotAssessed(
                        checkID: check.descriptor.id, resource: ResourceRef(apiVersion: "aws", kind: kinds, namespace: nil, name: "\(read.account)/\(region)"),
                        location: SourceLocation(file: "aws://\(read.account)/\(region)", line: 0, column: 0), fieldPath: "", reason: failure.reason))
                }
            }
            return outcome
        }
    }
}
