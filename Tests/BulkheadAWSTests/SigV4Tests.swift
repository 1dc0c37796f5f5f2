import BulkheadAWS
import Foundation
import Testing

/// AWS's published Signature Version 4 test suite ("aws-sig-v4-test-suite", credentials
/// AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service") and the S3 documentation's
/// GET Object example.
@Suite("SigV4")
struct SigV4Tests {
    static let credentials = AWSCredentials(accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    static let date = Date(timeIntervalSince1970: 1_440_938_160) // 20150830T123600Z

    func sign(_ method: String, _ path: String, query: [(String, String)] = []) -> SigV4.Signature {
        SigV4.sign(SigV4.Request(method: method, path: path, query: query, headers: [("Host", "example.amazonaws.com")]),
                   credentials: Self.credentials, region: "us-east-1", service: "service", date: Self.date)
    }

    @Test func getVanilla() {
        let signature = sign("GET", "/")
        #expect(signature.canonicalRequest == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(signature.stringToSign.hasSuffix("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"))
        #expect(signature.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func getVanillaQueryOrderKeyCase() {
        #expect(sign("GET", "/", query: [("Param2", "value2"), ("Param1", "value1")]).signature
                == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postVanilla() {
        #expect(sign("POST", "/").signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func getUTF8() {
        #expect(sign("GET", "/" + SigV4.encode("ሴ")).signature == "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85")
    }

    /// S3 User Guide, "Signature calculations for the Authorization header", GET Object.
    @Test func s3GetObjectExample() {
        let request = SigV4.Request(method: "GET", path: "/test.txt", headers: [
            ("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
        ])
        let signature = SigV4.sign(request, credentials: AWSCredentials(accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
                                   region: "us-east-1", service: "s3", date: Date(timeIntervalSince1970: 1_369_353_600), addContentHash: true)
        #expect(signature.stringToSign.hasSuffix("7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"))
        #expect(signature.signature == "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func sessionTokenIsSignedAndSent() {
        let signature = SigV4.sign(SigV4.Request(method: "GET", path: "/", headers: [("Host", "example.amazonaws.com")]),
                                   credentials: AWSCredentials(accessKeyID: "A", secretAccessKey: "S", sessionToken: "TOKEN"),
                                   region: "us-east-1", service: "service", date: Self.date)
        #expect(signature.headers.contains { $0.0 == "x-amz-security-token" && $0.1 == "TOKEN" })
        #expect(signature.authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token"))
    }
}
