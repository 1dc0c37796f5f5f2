import Foundation

/// Where a live scan's credentials, region and endpoint come from: AWS's standard chain, in its
/// order. Environment variables; the shared `credentials` and `config` files (profiles,
/// `source_profile` is not followed); `credential_process`; a web identity token (IRSA) exchanged
/// with STS; the container credentials endpoint (ECS, EKS Pod Identity); the instance metadata
/// service with an IMDSv2 session token.
public struct AWSConfiguration: Sendable {
    public var credentials: AWSCredentials
    public var region: String?
    public var endpointURL: String?
    /// Which link of the chain provided the credentials (for messages).
    public var source: String
}

public enum CredentialError: Error, CustomStringConvertible, Sendable {
    case notFound(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .notFound(let message), .invalid(let message): return message
        }
    }
}

public struct CredentialChain: Sendable {
    public var environment: [String: String]
    public var profile: String?
    /// Sends an HTTP request for the links that need one (STS, container endpoint, IMDS).
    public var http: @Sendable (HTTPRequestSpec) async throws -> (status: Int, body: [UInt8])

    public init(environment: [String: String] = ProcessInfo.processInfo.environment, profile: String? = nil,
                http: @escaping @Sendable (HTTPRequestSpec) async throws -> (status: Int, body: [UInt8])) {
        // An empty variable counts as unset, as in the AWS SDKs.
        self.environment = environment.filter { !$0.value.isEmpty }
        self.profile = profile
        self.http = http
    }

    var home: String { environment["HOME"] ?? NSHomeDirectory() }
    var profileName: String { profile.flatMap { $0.isEmpty ? nil : $0 } ?? environment["AWS_PROFILE"] ?? environment["AWS_DEFAULT_PROFILE"] ?? "default" }

    /// The INI sections of a shared file: `[name]` (credentials) or `[profile name]` (config).
    static func ini(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                var name = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("profile ") { name = String(name.dropFirst(8)).trimmingCharacters(in: .whitespaces) }
                current = name
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            sections[current]?[key] = value
        }
        return sections
    }

    func sharedFile(_ variable: String, _ fallback: String) -> [String: [String: String]] {
        let path = environment[variable] ?? (home as NSString).appendingPathComponent(fallback)
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        return Self.ini(text)
    }

    public func resolve() async throws -> AWSConfiguration {
        let config = sharedFile("AWS_CONFIG_FILE", ".aws/config")[profileName] ?? [:]
        let credentialsFile = sharedFile("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials")[profileName] ?? [:]
        let region = environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? config["region"]
        let endpoint = environment["AWS_ENDPOINT_URL"] ?? config["endpoint_url"]
        func done(_ credentials: AWSCredentials, _ source: String) -> AWSConfiguration {
            AWSConfiguration(credentials: credentials, region: region, endpointURL: endpoint, source: source)
        }
        // An explicit --profile skips the environment's keys, as the AWS CLI does.
        if profile == nil, let key = environment["AWS_ACCESS_KEY_ID"], let secret = environment["AWS_SECRET_ACCESS_KEY"], !key.isEmpty {
            return done(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: environment["AWS_SESSION_TOKEN"]), "environment")
        }
        for section in [credentialsFile, config] {
            if let key = section["aws_access_key_id"], let secret = section["aws_secret_access_key"] {
                return done(AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: section["aws_session_token"]),
                            "profile \(profileName)")
            }
        }
        if let command = credentialsFile["credential_process"] ?? config["credential_process"] {
            return done(try Self.runCredentialProcess(command), "credential_process of profile \(profileName)")
        }
        if let tokenFile = environment["AWS_WEB_IDENTITY_TOKEN_FILE"] ?? config["web_identity_token_file"],
           let role = environment["AWS_ROLE_ARN"] ?? config["role_arn"] {
            return done(try await webIdentity(tokenFile: tokenFile, role: role, region: region, endpoint: endpoint), "web identity (\(role))")
        }
        if environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] != nil || environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] != nil {
            return done(try await containerCredentials(), "container credentials endpoint")
        }
        if environment["AWS_EC2_METADATA_DISABLED"]?.lowercased() != "true" {
            if let credentials = try? await instanceMetadata() { return done(credentials, "instance metadata (IMDSv2)") }
        }
        throw CredentialError.notFound("no AWS credentials: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, use --profile, or run where a role is available")
    }

    /// `credential_process`: the command prints `{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?}`.
    static func runCredentialProcess(_ command: String) throws -> AWSCredentials {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let pipe = Pipe()
        process.standardOutput = pipe
        do { try process.run() } catch { throw CredentialError.invalid("credential_process \(command): \(error)") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CredentialError.invalid("credential_process \(command) exited with \(process.terminationStatus)") }
        return try parseCredentialJSON(Array(data), source: "credential_process")
    }

    static func parseCredentialJSON(_ bytes: [UInt8], source: String) throws -> AWSCredentials {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
              let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
            throw CredentialError.invalid("\(source) did not return AccessKeyId and SecretAccessKey")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: (object["SessionToken"] ?? object["Token"]) as? String)
    }

    /// IRSA: `sts:AssumeRoleWithWebIdentity` is not signed; the token file is the pod's projected token.
    func webIdentity(tokenFile: String, role: String, region: String?, endpoint: String?) async throws -> AWSCredentials {
        guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
            throw CredentialError.invalid("cannot read the web identity token \(tokenFile)")
        }
        let base = endpoint ?? "https://sts.\(region ?? "us-east-1").amazonaws.com"
        let form = [("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", role),
                    ("RoleSessionName", environment["AWS_ROLE_SESSION_NAME"] ?? "bulkhead"),
                    ("WebIdentityToken", token.trimmingCharacters(in: .whitespacesAndNewlines))]
        let body = form.map { "\(SigV4.encode($0.0))=\(SigV4.encode($0.1))" }.joined(separator: "&")
        let response = try await http(HTTPRequestSpec(method: "POST", url: base + "/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                                      body: Array(body.utf8)))
        guard response.status == 200 else { throw CredentialError.invalid("AssumeRoleWithWebIdentity for \(role): HTTP \(response.status)") }
        let tree = XMLTree.parse(response.body)
        let result = tree?["AssumeRoleWithWebIdentityResult"]?["Credentials"]
        guard let key = result?["AccessKeyId"]?.awsString, let secret = result?["SecretAccessKey"]?.awsString else {
            throw CredentialError.invalid("AssumeRoleWithWebIdentity for \(role): no credentials in the answer")
        }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: result?["SessionToken"]?.awsString)
    }

    func containerCredentials() async throws -> AWSCredentials {
        let url = environment["AWS_CONTAINER_CREDENTIALS_FULL_URI"] ?? "http://169.254.170.2" + (environment["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"] ?? "")
        var headers: [(String, String)] = []
        if let file = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"], let token = try? String(contentsOfFile: file, encoding: .utf8) {
            headers.append(("Authorization", token.trimmingCharacters(in: .whitespacesAndNewlines)))
        } else if let token = environment["AWS_CONTAINER_AUTHORIZATION_TOKEN"] {
            headers.append(("Authorization", token))
        }
        let response = try await http(HTTPRequestSpec(method: "GET", url: url, headers: headers, body: []))
        guard response.status == 200 else { throw CredentialError.invalid("container credentials endpoint \(url): HTTP \(response.status)") }
        return try Self.parseCredentialJSON(response.body, source: "the container credentials endpoint")
    }

    /// IMDSv2: a session token (PUT), then the role name and its credentials.
    func instanceMetadata() async throws -> AWSCredentials {
        let base = environment["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254"
        let token = try await http(HTTPRequestSpec(method: "PUT", url: base + "/latest/api/token",
                                                   headers: [("X-aws-ec2-metadata-token-ttl-seconds", "300")], body: [], timeoutSeconds: 1))
        guard token.status == 200 else { throw CredentialError.notFound("no instance metadata service") }
        let header = [("X-aws-ec2-metadata-token", String(decoding: token.body, as: UTF8.self))]
        let roles = try await http(HTTPRequestSpec(method: "GET", url: base + "/latest/meta-data/iam/security-credentials/", headers: header, body: [], timeoutSeconds: 1))
        guard roles.status == 200, let role = String(decoding: roles.body, as: UTF8.self).split(separator: "\n").first else {
            throw CredentialError.notFound("the instance has no role")
        }
        let credentials = try await http(HTTPRequestSpec(method: "GET", url: base + "/latest/meta-data/iam/security-credentials/\(role)", headers: header, body: [], timeoutSeconds: 1))
        guard credentials.status == 200 else { throw CredentialError.notFound("instance role credentials: HTTP \(credentials.status)") }
        return try Self.parseCredentialJSON(credentials.body, source: "the instance metadata service")
    }
}

/// An HTTP request as the client sends it.
public struct HTTPRequestSpec: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: [UInt8]
    public var timeoutSeconds: Int64 = 20

    public init(method: String, url: String, headers: [(String, String)], body: [UInt8], timeoutSeconds: Int64 = 20) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutSeconds = timeoutSeconds
    }
}
