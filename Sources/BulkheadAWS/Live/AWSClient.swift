import AsyncHTTPClient
import BulkheadCore
import Foundation
import NIOCore
import NIOHTTP1

/// An error an AWS API answered (or the reason no answer came): what makes checks "not assessed".
public struct AWSAPIError: Error, CustomStringConvertible, Sendable {
    public var service: String
    public var action: String
    public var status: Int
    public var code: String
    public var message: String

    public var description: String {
        "\(service) \(action): \(code)\(message.isEmpty ? "" : " (\(message))")\(status > 0 ? ", HTTP \(status)" : "")"
    }

    /// The API is absent (an emulator's gap, a service not in the region) rather than refused.
    public var notImplemented: Bool { code == "NotImplemented" }
}

/// A small AWS API client: SigV4 signing, the four wire protocols the assessed services use
/// (rest-json, JSON 1.1 with X-Amz-Target, query with XML answers, rest-xml), retries with
/// exponential backoff on throttling and server errors, and errors decoded by protocol (never by
/// content type). Read-only calls only.
public final class AWSClient: Sendable {
    public let credentials: AWSCredentials
    public let region: String
    public let endpointURL: String?
    let http: HTTPClient
    let maxAttempts: Int
    /// Per request.
    let timeoutSeconds: Int64
    /// After this many requests in a row that got no answer, the endpoint is taken as down and
    /// every further call fails at once (a hanging endpoint must not hold the scan for minutes).
    static let unansweredLimit = 3
    private let unanswered = Counter()

    public init(credentials: AWSCredentials, region: String, endpointURL: String?, http: HTTPClient, maxAttempts: Int = 4,
                timeoutSeconds: Int64 = 15) {
        self.credentials = credentials
        self.region = region
        self.endpointURL = endpointURL?.hasSuffix("/") == true ? String(endpointURL?.dropLast() ?? "") : endpointURL
        self.http = http
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
    }

    /// Consecutive unanswered calls.
    final class Counter: Sendable {
        private let value = Locked(0)

        func record(answered: Bool) {
            value.withLock { $0 = answered ? 0 : $0 + 1 }
        }

        var current: Int { value.current }
    }

    /// Base URL of a service: the endpoint override, or AWS's regional (IAM: global) endpoint.
    func baseURL(_ service: String) -> String {
        if let endpointURL { return endpointURL }
        switch service {
        case "iam": return "https://iam.amazonaws.com"
        case "ecr": return "https://api.ecr.\(region).amazonaws.com"
        default: return "https://\(service).\(region).amazonaws.com"
        }
    }

    /// IAM (and STS) are global: signed for us-east-1.
    func signingRegion(_ service: String) -> String { service == "iam" ? "us-east-1" : region }

    public func send(service: String, action: String, method: String, path: String, query: [(String, String)] = [],
                     headers: [(String, String)] = [], body: [UInt8] = [], contentHash: Bool = false) async throws -> (status: Int, headers: HTTPHeaders, body: [UInt8]) {
        let base = baseURL(service)
        guard let components = URLComponents(string: base), let host = components.host else {
            throw AWSAPIError(service: service, action: action, status: 0, code: "InvalidEndpoint", message: base)
        }
        let hostHeader = components.port.map { "\(host):\($0)" } ?? host
        let basePath = components.path == "/" ? "" : components.path
        let fullPath = basePath + path
        var attempt = 0
        while true {
            attempt += 1
            if unanswered.current >= Self.unansweredLimit {
                throw AWSAPIError(service: service, action: action, status: 0, code: "EndpointUnresponsive",
                                  message: "\(base) did not answer \(Self.unansweredLimit) requests in a row (timeout \(timeoutSeconds) s)")
            }
            let signature = SigV4.sign(SigV4.Request(method: method, path: fullPath, query: query, headers: [("Host", hostHeader)] + headers, body: body),
                                       credentials: credentials, region: signingRegion(service), service: service, date: Date(), addContentHash: contentHash)
            let queryString = SigV4.canonicalQuery(query)
            var request = HTTPClientRequest(url: "\(components.scheme ?? "https")://\(hostHeader)\(fullPath)\(queryString.isEmpty ? "" : "?" + queryString)")
            request.method = HTTPMethod(rawValue: method)
            for (name, value) in headers + signature.headers { request.headers.add(name: name, value: value) }
            if !body.isEmpty { request.body = .bytes(ByteBuffer(bytes: body)) }
            let status: Int
            let responseHeaders: HTTPHeaders
            let bytes: [UInt8]
            do {
                let response = try await http.execute(request, timeout: .seconds(timeoutSeconds))
                var buffer = try await response.body.collect(upTo: 32 * 1024 * 1024)
                status = Int(response.status.code)
                responseHeaders = response.headers
                bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                unanswered.record(answered: true)
            } catch {
                unanswered.record(answered: false)
                let timedOut = Self.isTimeout(error)
                // A request that timed out is retried once at most: the endpoint is more likely down than busy.
                if attempt < (timedOut ? min(2, maxAttempts) : maxAttempts) && unanswered.current < Self.unansweredLimit {
                    try await backoff(attempt)
                    continue
                }
                throw AWSAPIError(service: service, action: action, status: 0, code: timedOut ? "Timeout" : "RequestFailed",
                                  message: timedOut ? "no answer within \(timeoutSeconds) s" : "\(error)")
            }
            if (200..<300).contains(status) { return (status, responseHeaders, bytes) }
            let failure = Self.error(service: service, action: action, status: status, headers: responseHeaders, body: bytes)
            let throttled = ["Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "SlowDown"].contains(failure.code)
            if (throttled || status == 429 || status == 503) && attempt < maxAttempts {
                try await backoff(attempt)
                continue
            }
            throw failure
        }
    }

    private func backoff(_ attempt: Int) async throws {
        let base = 100_000_000 * (1 << min(attempt, 5))
        try await Task.sleep(nanoseconds: UInt64(base + Int.random(in: 0..<base)))
    }

    /// The error code of an answer: JSON `__type`, the `x-amzn-ErrorType` header, or XML `<Code>`;
    /// an HTML page (an API the endpoint does not implement) is `NotImplemented`.
    package static func error(service: String, action: String, status: Int, headers: HTTPHeaders, body: [UInt8]) -> AWSAPIError {
        let text = String(decoding: body.prefix(4096), as: UTF8.self)
        var code = headers.first(name: "x-amzn-ErrorType")?.split(separator: ":").first.map(String.init) ?? ""
        var message = ""
        if text.lowercased().contains("<html") || text.lowercased().contains("<!doctype") {
            return AWSAPIError(service: service, action: action, status: status, code: "NotImplemented", message: "the endpoint does not implement this API")
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] {
            if let type = object["__type"] as? String { code = String(type.split(separator: "#").last ?? Substring(type)) }
            message = (object["message"] ?? object["Message"]) as? String ?? ""
        } else if let tree = XMLTree.parse(body) {
            let error = tree["Error"] ?? tree["Errors"]?["Error"] ?? tree
            code = error["Code"]?.awsString ?? code
            message = error["Message"]?.awsString ?? ""
        }
        if code.isEmpty { code = status == 403 ? "AccessDenied" : status == 404 ? "NotFound" : "HTTP\(status)" }
        return AWSAPIError(service: service, action: action, status: status, code: code, message: message)
    }

    // MARK: protocols

    /// JSON 1.1 with `X-Amz-Target` (KMS, CloudTrail, ECR, Secrets Manager, Config, CloudWatch Logs).
    public func json(_ service: String, target: String, _ action: String, _ payload: [String: Any] = [:]) async throws -> YAMLNode {
        let body = (try? JSONSerialization.data(withJSONObject: payload)).map { Array($0) } ?? Array("{}".utf8)
        let response = try await send(service: service, action: action, method: "POST", path: "/",
                                      headers: [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "\(target).\(action)")], body: body)
        return try Self.parseJSON(response.body, service: service, action: action)
    }

    /// rest-json (EKS, GuardDuty): a GET on a path.
    public func restJSON(_ service: String, _ action: String, path: String, query: [(String, String)] = []) async throws -> YAMLNode {
        let response = try await send(service: service, action: action, method: "GET", path: path, query: query)
        return try Self.parseJSON(response.body, service: service, action: action)
    }

    /// Query protocol with XML answers (IAM, STS, EC2): the result element's content.
    public func query(_ service: String, _ action: String, version: String, _ parameters: [(String, String)] = []) async throws -> YAMLNode {
        let form = ([("Action", action), ("Version", version)] + parameters).map { "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
        let response = try await send(service: service, action: action, method: "POST", path: "/",
                                      headers: [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")], body: Array(form.utf8))
        guard let tree = XMLTree.parse(response.body) else {
            throw AWSAPIError(service: service, action: action, status: response.status, code: "MalformedResponse", message: "not XML")
        }
        return tree["\(action)Result"] ?? tree
    }

    /// rest-xml (S3, path-style): the answer's document element content, or nil on 404.
    public func restXML(_ service: String, _ action: String, path: String, query: [(String, String)] = [],
                        headers: [(String, String)] = []) async throws -> YAMLNode? {
        let response = try await send(service: service, action: action, method: "GET", path: path, query: query, headers: headers, contentHash: true)
        return XMLTree.parse(response.body)
    }

    /// A 2xx answer's JSON. An empty body is an empty object (some APIs answer nothing); a body
    /// that is not one JSON object is an error, so the checks it feeds are not assessed rather
    /// than judged on an empty answer.
    package static func parseJSON(_ body: [UInt8], service: String, action: String) throws(AWSAPIError) -> YAMLNode {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return YAMLNode(.mapping([]), mark: Mark(line: 1, column: 1)) }
        let loaded = body.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "\(service) \(action)") }
        guard loaded.diagnostics.isEmpty, loaded.documents.count == 1, let root = loaded.documents.first?.root, case .mapping = root.content else {
            let problem = loaded.diagnostics.first.map { "\($0.message) at \($0.line):\($0.column)" } ?? "not a JSON object"
            throw AWSAPIError(service: service, action: action, status: 200, code: "MalformedResponse", message: "the answer is not valid JSON: \(problem)")
        }
        return root
    }

    /// Whether a request failed for want of an answer in time (async-http-client's own errors, not their text).
    static func isTimeout(_ error: any Error) -> Bool {
        if let error = error as? HTTPClientError {
            return [.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout, .getConnectionFromPoolTimeout].contains(error)
        }
        return false
    }
}
