import Crypto
import Foundation
import SwiftASN1
import X509

/// A CA and a serving certificate for the webhook's Service, ECDSA P-256.
public struct WebhookCertificates: Sendable {
    public var caPEM: String
    /// The CA's key, to issue the next serving certificate from the same CA (rotation).
    public var caKeyPEM: String
    public var certificatePEM: String
    public var privateKeyPEM: String

    /// The Service names the API server calls the webhook by.
    public static func serviceNames(namespace: String, service: String = "bulkhead") -> [String] {
        ["\(service).\(namespace).svc", "\(service).\(namespace).svc.cluster.local"]
    }

    /// The `caBundle` of a ValidatingWebhookConfiguration: the CA certificate, base64 of its PEM.
    public var caBundle: String { Data(caPEM.utf8).base64EncodedString() }

    /// Generates a CA valid for `days` and a serving certificate it signs for `dnsNames` (and
    /// `ipAddresses`, e.g. 127.0.0.1 for local tests).
    public static func generate(dnsNames: [String], ipAddresses: [String] = [], days: Int = 365) throws -> WebhookCertificates {
        let now = Date()
        let notBefore = now.addingTimeInterval(-300)
        let notAfter = now.addingTimeInterval(Double(days) * 86_400)
        let caKey = P256.Signing.PrivateKey()
        let caName = try DistinguishedName {
            OrganizationName("Bulkhead")
            CommonName("Bulkhead admission webhook CA")
        }
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(caKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: caName,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            },
            issuerPrivateKey: .init(caKey))
        let caPEM = try ca.serializeAsPEM().pemString + "\n"
        return try issue(dnsNames: dnsNames, ipAddresses: ipAddresses, days: days, caPEM: caPEM, caKeyPEM: caKey.pemRepresentation + "\n")
    }

    /// A new serving certificate from an existing CA (what a rotation does).
    public static func issue(dnsNames: [String], ipAddresses: [String] = [], days: Int = 365, caPEM: String, caKeyPEM: String) throws -> WebhookCertificates {
        let now = Date()
        let notBefore = now.addingTimeInterval(-300)
        let notAfter = now.addingTimeInterval(Double(days) * 86_400)
        let ca = try Certificate(pemEncoded: caPEM)
        let caKey = try P256.Signing.PrivateKey(pemRepresentation: caKeyPEM)
        let caName = ca.subject
        let serverKey = P256.Signing.PrivateKey()
        var names: [GeneralName] = dnsNames.map { .dnsName($0) }
        for address in ipAddresses {
            let octets = address.split(separator: ".").compactMap { UInt8($0) }
            guard octets.count == 4 else { throw CertificateError.invalidAddress(address) }
            names.append(.ipAddress(ASN1OctetString(contentBytes: ArraySlice(octets))))
        }
        let subject = try DistinguishedName {
            OrganizationName("Bulkhead")
            CommonName(dnsNames.first ?? "bulkhead")
        }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(serverKey.publicKey),
            notValidBefore: notBefore, notValidAfter: notAfter, issuer: caName, subject: subject,
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            },
            issuerPrivateKey: .init(caKey))
        return WebhookCertificates(caPEM: caPEM, caKeyPEM: caKeyPEM, certificatePEM: try server.serializeAsPEM().pemString + "\n",
                                   privateKeyPEM: serverKey.pemRepresentation + "\n")
    }

    public enum CertificateError: Error, CustomStringConvertible {
        case invalidAddress(String)
        public var description: String {
            switch self {
            case .invalidAddress(let address): return "\(address) is not an IPv4 address"
            }
        }
    }

    /// Writes ca.crt, ca.key, tls.crt and tls.key (keys readable by their owner only).
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try caPEM.write(toFile: (directory as NSString).appendingPathComponent("ca.crt"), atomically: true, encoding: .utf8)
        let caKeyPath = (directory as NSString).appendingPathComponent("ca.key")
        try caKeyPEM.write(toFile: caKeyPath, atomically: true, encoding: .utf8)
        chmod(caKeyPath, 0o600)
        try certificatePEM.write(toFile: (directory as NSString).appendingPathComponent("tls.crt"), atomically: true, encoding: .utf8)
        let keyPath = (directory as NSString).appendingPathComponent("tls.key")
        try privateKeyPEM.write(toFile: keyPath, atomically: true, encoding: .utf8)
        chmod(keyPath, 0o600)
    }
}
