import AsyncHTTPClient
import BulkheadAWS
import BulkheadCore
import Crypto
import NIOCore
import NIOHTTP1
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// `registry/repository[:tag][@digest]`, as Docker reads it (`nginx` → `docker.io/library/nginx:latest`).
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    public var registry: String
    public var repository: String
    public var tag: String?
    public var digest: String?

    public init?(_ text: String) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[rest.startIndex..<at]
            guard let digest, digest.hasPrefix("sha256:"), digest.count == 71 else { return nil }
        }
        let parts = rest.split(separator: "/", maxSplits: 1)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = String(parts[0])
            rest = parts[1]
        } else {
            registry = "docker.io"
        }
        if let colon = rest.lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[rest.startIndex..<colon]
        }
        guard !rest.isEmpty, rest.allSatisfy({ $0.isLowercase || $0.isNumber || "._-/".contains($0) }) else { return nil }
        repository = registry == "docker.io" && !rest.contains("/") ? "library/" + rest : String(rest)
        if tag == nil && digest == nil { tag = "latest" }
    }

    public var description: String { "\(registry)/\(repository)" + (tag.map { ":\($0)" } ?? "") + (digest.map { "@\($0)" } ?? "") }

    /// The host the API is at (Docker Hub's differs from its name).
    public var apiHost: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    /// Whether the registry is on this machine (plain HTTP allowed, as Docker allows it).
    public var isLoopback: Bool {
        let host = registry.split(separator: ":").first.map(String.init) ?? registry
        return host == "localhost" || host.hasPrefix("127.") || host == "[::1]" || registry.hasPrefix("[::1]")
    }

    /// `<account>.dkr.ecr.<region>.amazonaws.com` → the region.
    public var ecrRegion: String? {
        let labels = registry.split(separator: ".")
        guard labels.count >= 6, labels[1] == "dkr", labels[2] == "ecr", registry.hasSuffix(".amazonaws.com") || registry.hasSuffix(".amazonaws.com.cn") else { return nil }
        return String(labels[3])
    }
}

/// Pulls an image over the OCI distribution API into a temporary OCI layout (blobs streamed to
/// disk while hashed, never held in memory), which `ImageReader` then reads like any layout.
/// Authentication: anonymous, basic, bearer tokens (the `WWW-Authenticate` challenge), credentials
/// from `~/.docker/config.json` (or `$DOCKER_CONFIG`), and Amazon ECR through the AWS credential
/// chain (`GetAuthorizationToken`). HTTPS always, except for registries on loopback or named with
/// `--insecure-registry` (as Docker does).
public struct RegistryClient: Sendable {
    public struct Options: Sendable {
        public var platform: String?
        public var insecureRegistries: Set<String> = []
        /// Extra CA certificates (PEM) to trust, for a registry with a private CA.
        public var caFile: String?
        public var username: String?
        public var password: String?
        public var environment: [String: String] = [:]
        public var timeoutSeconds: Int64 = 60

        public init() {}
    }

    public var options: Options

    public init(options: Options) { self.options = options }

    static let manifestTypes = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
    ].joined(separator: ", ")

    /// Pulls the image and reads it. The temporary layout is removed afterwards.
    public func pull(_ text: String, reader: ImageReader) async throws -> ContainerImage {
        guard let reference = ImageReference(text) else { throw ArchiveError(text, "not an image reference (registry/repository[:tag][@sha256:…])") }
        let directory = try makeTemporaryDirectory()
        defer { removeTree(directory) }
        let http = makeHTTPClient()
        do {
            let session = try await Session(reference: reference, http: http, options: options)
            try await session.pullLayout(into: directory)
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }
        var image = try reader.read(path: directory)
        image.name = reference.description
        return image
    }

    /// The cosign signature manifest of an image in its registry (`sha256-<digest>.sig`) and its
    /// payload blobs (each capped at 1 MiB); the manifest is nil when the tag does not exist.
    public func signatures(_ text: String, imageDigest: String?) async throws -> (digest: String, manifest: [UInt8]?, blobs: [String: [UInt8]], place: String) {
        guard let reference = ImageReference(text) else { throw ArchiveError(text, "not an image reference") }
        let http = makeHTTPClient()
        do {
            let session = try await Session(reference: reference, http: http, options: options)
            var digest = imageDigest ?? reference.digest
            if digest == nil {
                let (_, found) = try await session.document("/v2/\(reference.repository)/manifests/\(reference.tag ?? "latest")", accept: RegistryClient.manifestTypes, digest: nil)
                digest = found
            }
            guard let digest else { throw ArchiveError(text, "no digest") }
            let tag = CosignVerifier.signatureTag(digest)
            let place = "\(reference.registry)/\(reference.repository):\(tag)"
            let response = try await session.get("/v2/\(reference.repository)/manifests/\(tag)", accept: RegistryClient.manifestTypes)
            var body = try await response.body.collect(upTo: 1 << 20)
            if response.status == .notFound {
                try await http.shutdown()
                return (digest, nil, [:], place)
            }
            guard response.status == .ok else { throw ArchiveError(place, "answered \(response.status.code)") }
            let manifest = body.readBytes(length: body.readableBytes) ?? []
            var blobs: [String: [UInt8]] = [:]
            let node = manifest.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: tag) }.documents.first?.root
            for layer in node?["layers"]?.items ?? [] {
                guard let blob = layer["digest"]?.string else { continue }
                let answer = try await session.get("/v2/\(reference.repository)/blobs/\(blob)")
                var data = try await answer.body.collect(upTo: 1 << 20)
                if answer.status == .ok { blobs[blob] = data.readBytes(length: data.readableBytes) ?? [] }
            }
            try await http.shutdown()
            return (digest, manifest, blobs, place)
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// HTTPS with the extra CA, if any; redirects followed (registries send blobs to storage URLs).
    func makeHTTPClient() -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = options.caFile { tls.additionalTrustRoots = [.file(caFile)] }
        return HTTPClient(eventLoopGroupProvider: .singleton,
                          configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .follow(max: 5, allowCycles: false)))
    }

    func makeTemporaryDirectory() throws -> String {
        let base = options.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(base)/bulkhead-pull-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ buffer in buffer.baseAddress.flatMap { mkdtemp($0) } }) else {
            throw ArchiveError(base, "cannot make a temporary directory: \(String(cString: strerror(errno)))")
        }
        let path = String(cString: made)
        _ = mkdir(path + "/blobs", 0o700)
        _ = mkdir(path + "/blobs/sha256", 0o700)
        return path
    }

    func removeTree(_ path: String) {
        guard let handle = opendir(path) else {
            unlink(path)
            return
        }
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
            if name == "." || name == ".." { continue }
            let child = path + "/" + name
            var status = stat()
            if lstat(child, &status) == 0, (status.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
        }
        closedir(handle)
        rmdir(path)
    }

    /// One registry conversation: the base URL, the credentials and the token in use.
    final class Session: @unchecked Sendable {
        let reference: ImageReference
        let http: HTTPClient
        let options: Options
        let base: String
        var basic: (String, String)?
        var authorization: String?

        init(reference: ImageReference, http: HTTPClient, options: Options) async throws {
            self.reference = reference
            self.http = http
            self.options = options
            let plain = reference.isLoopback || options.insecureRegistries.contains(reference.registry)
            // Loopback registries may speak either: HTTPS first, as Docker tries.
            base = (plain && options.insecureRegistries.contains(reference.registry) ? "http://" : "https://") + reference.apiHost
            if let username = options.username, let password = options.password {
                basic = (username, password)
            } else if let region = reference.ecrRegion {
                basic = try await Self.ecrCredentials(region: region, environment: options.environment, http: http)
            } else {
                basic = DockerConfig.credentials(for: reference.registry, environment: options.environment)
            }
            plainFallback = plain && !options.insecureRegistries.contains(reference.registry)
        }

        var plainFallback = false
        var activeBase: String?

        static func ecrCredentials(region: String, environment: [String: String], http: HTTPClient) async throws -> (String, String) {
            let chain = CredentialChain(environment: environment, profile: environment["AWS_PROFILE"]) { try await LiveAccountScan.send(http, $0) }
            let configuration = try await chain.resolve()
            let client = AWSClient(credentials: configuration.credentials, region: region,
                                   endpointURL: environment["BULKHEAD_ECR_ENDPOINT"] ?? configuration.endpointURL, http: http)
            let answer = try await client.json("ecr", target: "AmazonEC2ContainerRegistry_V20150921", "GetAuthorizationToken")
            guard let token = answer["authorizationData"]?.items?.first?["authorizationToken"]?.string,
                  let decoded = Base64.decode(token).map({ String(decoding: $0, as: UTF8.self) }),
                  let colon = decoded.firstIndex(of: ":") else {
                throw ArchiveError("ecr:\(region)", "GetAuthorizationToken gave no token")
            }
            return (String(decoded[decoded.startIndex..<colon]), String(decoded[decoded.index(after: colon)...]))
        }

        /// GET with the session's authorization; a 401 answers its challenge once.
        func get(_ path: String, accept: String? = nil) async throws -> HTTPClientResponse {
            var answeredChallenge = false
            while true {
                let root = activeBase ?? base
                var request = HTTPClientRequest(url: root + path)
                if let accept { request.headers.add(name: "Accept", value: accept) }
                if let authorization { request.headers.add(name: "Authorization", value: authorization) }
                let response: HTTPClientResponse
                do {
                    response = try await http.execute(request, timeout: .seconds(options.timeoutSeconds))
                } catch where plainFallback && activeBase == nil {
                    // A registry on loopback without TLS.
                    activeBase = "http://" + reference.apiHost
                    continue
                }
                if activeBase == nil { activeBase = root }
                if response.status == .unauthorized, !answeredChallenge {
                    answeredChallenge = true
                    try await answer(challenge: response.headers.first(name: "WWW-Authenticate") ?? "")
                    continue
                }
                return response
            }
        }

        func answer(challenge: String) async throws {
            let lower = challenge.lowercased()
            if lower.hasPrefix("basic") {
                guard let (user, password) = basic else { throw ArchiveError(reference.description, "the registry wants a user name and password (docker login, or --username/--password)") }
                authorization = "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
                return
            }
            guard lower.hasPrefix("bearer") else { throw ArchiveError(reference.description, "unknown authentication challenge: \(challenge)") }
            let parameters = Self.challengeParameters(String(challenge.dropFirst(6)))
            guard let realm = parameters["realm"] else { throw ArchiveError(reference.description, "a bearer challenge without a realm") }
            var query = "scope=" + SigV4.encode(parameters["scope"] ?? "repository:\(reference.repository):pull")
            if let service = parameters["service"] { query += "&service=" + SigV4.encode(service) }
            var request = HTTPClientRequest(url: realm + (realm.contains("?") ? "&" : "?") + query)
            if let (user, password) = basic { request.headers.add(name: "Authorization", value: "Basic " + Base64.encode(Array("\(user):\(password)".utf8))) }
            let response = try await http.execute(request, timeout: .seconds(options.timeoutSeconds))
            var body = try await response.body.collect(upTo: 1 << 20)
            guard response.status == .ok else { throw ArchiveError(realm, "token request answered \(response.status.code)") }
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            let node = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: realm) }.documents.first?.root
            guard let token = node?["token"]?.string ?? node?["access_token"]?.string else { throw ArchiveError(realm, "the token answer holds no token") }
            authorization = "Bearer " + token
        }

        static func challengeParameters(_ text: String) -> [String: String] {
            var result: [String: String] = [:]
            var rest = Substring(text)
            while let equals = rest.firstIndex(of: "=") {
                let key = rest[rest.startIndex..<equals].trimmingCharacters(", ").lowercased()
                rest = rest[rest.index(after: equals)...]
                var value = ""
                if rest.first == "\"" {
                    rest = rest.dropFirst()
                    let end = rest.firstIndex(of: "\"") ?? rest.endIndex
                    value = String(rest[rest.startIndex..<end])
                    rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
                } else {
                    let end = rest.firstIndex(of: ",") ?? rest.endIndex
                    value = String(rest[rest.startIndex..<end])
                    rest = rest[end...]
                }
                result[key] = value
            }
            return result
        }

        /// A small document (manifest, index, config), checked against its digest.
        func document(_ path: String, accept: String?, digest expected: String?) async throws -> ([UInt8], String) {
            let response = try await get(path, accept: accept)
            var body = try await response.body.collect(upTo: 8 << 20)
            let bytes = body.readBytes(length: body.readableBytes) ?? []
            guard response.status == .ok else {
                throw ArchiveError(reference.description, "\(path) answered \(response.status.code): \(String(decoding: bytes.prefix(200), as: UTF8.self))")
            }
            let digest = sha256Digest(bytes)
            if let expected, expected != digest { throw ArchiveError(reference.description, "\(path): the content's digest \(digest) is not \(expected): refused") }
            return (bytes, digest)
        }

        /// A blob streamed to a file while hashed; the digest must match.
        func blob(_ digest: String, into directory: String) async throws {
            let path = directory + "/blobs/" + digest.replacingOccurrences(":", "/")
            let response = try await get("/v2/\(reference.repository)/blobs/\(digest)")
            guard response.status == .ok else { throw ArchiveError(reference.description, "blob \(digest) answered \(response.status.code)") }
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ArchiveError(path, "cannot write: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            var hasher = HashingSink()
            for try await buffer in response.body {
                try buffer.withUnsafeReadableBytes { raw in
                    hasher.update(raw)
                    var offset = 0
                    while offset < raw.count {
                        guard let start = raw.baseAddress else { break }
                        let written = Glibc.write(fd, start + offset, raw.count - offset)
                        if written < 0 {
                            if errno == EINTR { continue }
                            throw ArchiveError(path, "write failed: \(String(cString: strerror(errno)))")
                        }
                        offset += written
                    }
                }
            }
            let actual = hasher.digest()
            guard actual == digest else { throw ArchiveError(reference.description, "blob \(digest): its content's digest is \(actual): refused") }
        }

        func write(_ bytes: [UInt8], to path: String) throws {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw ArchiveError(path, "cannot write: \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }

        func pullLayout(into directory: String) async throws {
            let manifestPath = "/v2/\(reference.repository)/manifests/\(reference.digest ?? reference.tag ?? "latest")"
            var (bytes, digest) = try await document(manifestPath, accept: RegistryClient.manifestTypes, digest: reference.digest)
            var node = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: manifestPath) }.documents.first?.root
            // An index: the platform's manifest.
            if let manifests = node?["manifests"]?.items {
                let reader = ImageReader(options: ImageReader.Options(platform: options.platform))
                let chosen = try reader.choose(manifests, place: reference.description)
                guard let chosenDigest = chosen["digest"]?.string else { throw ArchiveError(reference.description, "an index entry without a digest") }
                (bytes, digest) = try await document("/v2/\(reference.repository)/manifests/\(chosenDigest)", accept: RegistryClient.manifestTypes, digest: chosenDigest)
                node = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: chosenDigest) }.documents.first?.root
            }
            guard let manifest = node, let configDigest = manifest["config"]?["digest"]?.string else {
                throw ArchiveError(reference.description, "the manifest names no config (schema 1 manifests are not supported)")
            }
            try write(bytes, to: directory + "/blobs/" + digest.replacingOccurrences(":", "/"))
            let (config, _) = try await document("/v2/\(reference.repository)/blobs/\(configDigest)", accept: nil, digest: configDigest)
            try write(config, to: directory + "/blobs/" + configDigest.replacingOccurrences(":", "/"))
            for layer in manifest["layers"]?.items ?? [] {
                guard let layerDigest = layer["digest"]?.string else { throw ArchiveError(reference.description, "a layer without a digest") }
                try await blob(layerDigest, into: directory)
            }
            let mediaType = manifest["mediaType"]?.string ?? "application/vnd.oci.image.manifest.v1+json"
            let index = "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\(JSONText.quoted(mediaType)),\"digest\":\"\(digest)\",\"size\":\(bytes.count)}]}"
            try write(Array(index.utf8), to: directory + "/index.json")
            try write(Array("{\"imageLayoutVersion\":\"1.0.0\"}".utf8), to: directory + "/oci-layout")
        }
    }
}

/// SHA-256 over chunks (the blob download).
struct HashingSink {
    private var hasher = Crypto.SHA256()

    mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    func digest() -> String { "sha256:" + hexString(hasher.finalize()) }
}

/// `~/.docker/config.json` (or `$DOCKER_CONFIG/config.json`): `auths[registry].auth` (base64 user:password).
public enum DockerConfig {
    public static func credentials(for registry: String, environment: [String: String]) -> (String, String)? {
        let directory = environment["DOCKER_CONFIG"] ?? ((environment["HOME"] ?? "") + "/.docker")
        guard let bytes = try? FileStream(path: directory + "/config.json").readAll(limit: 1 << 20, place: directory) else { return nil }
        let root = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "config.json") }.documents.first?.root
        let keys = registry == "docker.io" ? ["https://index.docker.io/v1/", "docker.io", "index.docker.io", "registry-1.docker.io"] : [registry, "https://" + registry]
        for key in keys {
            guard let entry = root?["auths"]?[key] else { continue }
            if let auth = entry["auth"]?.string, let decoded = Base64.decode(auth).map({ String(decoding: $0, as: UTF8.self) }),
               let colon = decoded.firstIndex(of: ":") {
                return (String(decoded[decoded.startIndex..<colon]), String(decoded[decoded.index(after: colon)...]))
            }
            if let user = entry["username"]?.string, let password = entry["password"]?.string { return (user, password) }
        }
        return nil
    }
}

enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 3, bytes.count)])
            let value = (Int(chunk[0]) << 16) | (chunk.count > 1 ? Int(chunk[1]) << 8 : 0) | (chunk.count > 2 ? Int(chunk[2]) : 0)
            out.append(alphabet[(value >> 18) & 63])
            out.append(alphabet[(value >> 12) & 63])
            out.append(chunk.count > 1 ? alphabet[(value >> 6) & 63] : UInt8(ascii: "="))
            out.append(chunk.count > 2 ? alphabet[value & 63] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var lookup = [Int](repeating: -1, count: 256)
        for (index, byte) in alphabet.enumerated() { lookup[Int(byte)] = index }
        lookup[Int(UInt8(ascii: "-"))] = 62
        lookup[Int(UInt8(ascii: "_"))] = 63
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") && byte != 0x0a && byte != 0x0d {
            let value = lookup[Int(byte)]
            guard value >= 0 else { return nil }
            buffer = (buffer << 6) | value
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((buffer >> bits) & 0xff))
            }
        }
        return out
    }
}
