import BulkheadCore
import Crypto
import _CryptoExtras

/// A public key signatures are verified with: ECDSA P-256 (cosign's default), Ed25519 or RSA, PEM
/// `PUBLIC KEY` (SubjectPublicKeyInfo) as `cosign generate-key-pair` and openssl write them.
public struct SignatureKey: Sendable {
    /// Kept as bytes (the key types are not Sendable); the key is rebuilt to verify.
    enum Material: Sendable {
        case p256([UInt8])
        case ed25519([UInt8])
        case rsa(String)
    }

    let material: Material
    /// Where it came from (a file name), as verdicts name it.
    public let name: String

    public init(pem: String, name: String) throws {
        self.name = name
        if let key = try? P256.Signing.PublicKey(pemRepresentation: pem) {
            material = .p256([UInt8](key.x963Representation))
        } else if (try? _RSA.Signing.PublicKey(pemRepresentation: pem)) != nil {
            material = .rsa(pem)
        } else if let der = Self.der(pem), der.count == 44, der.starts(with: [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]),
                  (try? Curve25519.Signing.PublicKey(rawRepresentation: der.suffix(32))) != nil {
            material = .ed25519(Array(der.suffix(32)))
        } else {
            throw ArchiveError(name, "not a PEM public key Bulkhead reads (ECDSA P-256, Ed25519 or RSA SubjectPublicKeyInfo)")
        }
    }

    static func der(_ pem: String) -> [UInt8]? {
        let body = pem.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        return Base64.decode(body)
    }

    /// Whether `signature` (DER for ECDSA, raw for Ed25519 and RSA PKCS#1 v1.5) signs `payload` (SHA-256).
    public func verifies(_ signature: [UInt8], over payload: [UInt8]) -> Bool {
        switch material {
        case .p256(let bytes):
            guard let key = try? P256.Signing.PublicKey(x963Representation: bytes),
                  let parsed = try? P256.Signing.ECDSASignature(derRepresentation: signature) else { return false }
            return key.isValidSignature(parsed, for: SHA256.hash(data: payload))
        case .ed25519(let bytes):
            guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: bytes) else { return false }
            return key.isValidSignature(signature, for: payload)
        case .rsa(let pem):
            guard let key = try? _RSA.Signing.PublicKey(pemRepresentation: pem) else { return false }
            let parsed = _RSA.Signing.RSASignature(rawRepresentation: signature)
            return key.isValidSignature(parsed, for: SHA256.hash(data: payload), padding: .insecurePKCS1v1_5)
                || key.isValidSignature(parsed, for: SHA256.hash(data: payload), padding: .PSS)
        }
    }
}

/// One signature's verdict: verified with which key, or why not, and where it was found.
public struct SignatureVerdict: Sendable, Hashable {
    public var verified: Bool
    public var reason: String
    /// `registry/repo:sha256-<hex>.sig layer 0`, `layout/ sha256-<hex>.sig`.
    public var place: String
    public var key: String?
    /// `critical.identity.docker-reference` and the optional claims, as the payload states them.
    public var dockerReference: String?
    public var claims: [String: String]

    public init(verified: Bool, reason: String, place: String, key: String?, dockerReference: String?, claims: [String: String]) {
        self.verified = verified
        self.reason = reason
        self.place = place
        self.key = key
        self.dockerReference = dockerReference
        self.claims = claims
    }
}

/// Cosign's signatures in the legacy layout: the tag `sha256-<digest>.sig` holds a manifest whose
/// layers are simple-signing payloads, each with its signature in the
/// `dev.cosignproject.cosign/signature` annotation. A signature counts when the payload blob matches
/// its layer digest, a key verifies the signature over the payload's bytes, the payload is a cosign
/// container image signature, and its `docker-manifest-digest` is the image's.
public enum CosignVerifier {
    public static let annotation = "dev.cosignproject.cosign/signature"
    public static let payloadType = "application/vnd.dev.cosign.simplesigning.v1+json"

    /// The tag cosign writes signatures of `digest` under.
    public static func signatureTag(_ digest: String) -> String { digest.replacingOccurrences(":", "-") + ".sig" }

    public static func verify(manifest bytes: [UInt8], blobs: [String: [UInt8]], imageDigest: String, keys: [SignatureKey], place: String) -> [SignatureVerdict] {
        let root = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: place) }.documents.first?.root
        guard let layers = root?["layers"]?.items, !layers.isEmpty else {
            return [SignatureVerdict(verified: false, reason: "the signature manifest lists no signatures", place: place, key: nil, dockerReference: nil, claims: [:])]
        }
        return layers.enumerated().map { index, layer in
            let at = "\(place) layer \(index)"
            func refuse(_ reason: String) -> SignatureVerdict {
                SignatureVerdict(verified: false, reason: reason, place: at, key: nil, dockerReference: nil, claims: [:])
            }
            guard layer["mediaType"]?.string == payloadType else { return refuse("not a simple-signing payload (\(layer["mediaType"]?.string ?? "no media type"))") }
            guard let digest = layer["digest"]?.string, let payload = blobs[digest] else { return refuse("the payload blob is missing") }
            guard sha256Digest(payload) == digest else { return refuse("the payload does not match its digest (tampered?)") }
            guard let encoded = layer["annotations"]?[annotation]?.string, let signature = Base64.decode(encoded) else {
                return refuse("no \(annotation) annotation")
            }
            guard let key = keys.first(where: { $0.verifies(signature, over: payload) }) else {
                return refuse("no given key verifies the signature (\(keys.map(\.name).joined(separator: ", ")))")
            }
            let document = payload.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: digest) }.documents.first?.root
            let critical = document?["critical"]
            guard critical?["type"]?.string == "cosign container image signature" else { return refuse("signed, but not a cosign container image signature") }
            let signed = critical?["image"]?["docker-manifest-digest"]?.string ?? ""
            let claims = (document?["optional"]?.pairs ?? []).reduce(into: [String: String]()) { $0[$1.key] = $1.value.string ?? "" }
            let reference = critical?["identity"]?["docker-reference"]?.string
            guard signed == imageDigest else {
                return SignatureVerdict(verified: false, reason: "signed with \(key.name), but for another image (\(signed), not \(imageDigest))", place: at, key: key.name,
                                        dockerReference: reference, claims: claims)
            }
            return SignatureVerdict(verified: true, reason: "signed with \(key.name)", place: at, key: key.name, dockerReference: reference, claims: claims)
        }
    }

    /// Signatures kept in an OCI image layout directory (cosign's registry layout copied to disk):
    /// the manifest tagged `sha256-<digest>.sig` and its blobs.
    public static func verify(layout directory: String, imageDigest: String, keys: [SignatureKey]) throws -> [SignatureVerdict] {
        let tag = signatureTag(imageDigest)
        let index = try FileStream(path: directory + "/index.json").readAll(limit: 8 << 20, place: directory + "/index.json")
        let root = index.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "index.json") }.documents.first?.root
        guard let entry = (root?["manifests"]?.items ?? []).first(where: { $0["annotations"]?["org.opencontainers.image.ref.name"]?.string == tag }),
              let manifestDigest = entry["digest"]?.string else {
            return [SignatureVerdict(verified: false, reason: "no signature: \(directory) has no \(tag)", place: directory, key: nil, dockerReference: nil, claims: [:])]
        }
        func blob(_ digest: String) throws -> [UInt8] {
            let path = directory + "/blobs/" + digest.replacingOccurrences(":", "/")
            return try FileStream(path: path).readAll(limit: 1 << 20, place: path)
        }
        let manifest = try blob(manifestDigest)
        guard sha256Digest(manifest) == manifestDigest else { throw ArchiveError(directory, "the signature manifest does not match its digest: refused") }
        var blobs: [String: [UInt8]] = [:]
        let node = manifest.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: tag) }.documents.first?.root
        for layer in node?["layers"]?.items ?? [] {
            if let digest = layer["digest"]?.string, let bytes = try? blob(digest) { blobs[digest] = bytes }
        }
        return verify(manifest: manifest, blobs: blobs, imageDigest: imageDigest, keys: keys, place: "\(directory) \(tag)")
    }
}
