import ArgumentParser
import BulkheadAdmission
import Foundation

extension InstallManifests.FailurePolicy: ExpressibleByArgument {}

struct AdmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admit", abstract: "The validating admission webhook: same checks, same verdicts as `bulkhead scan`, at deploy time.",
        subcommands: [Serve.self, Certs.self, Manifests.self])

    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve", abstract: "Serve AdmissionReview requests over HTTPS (TLS 1.2+) on /validate; /healthz, /readyz, /metrics.")

        @Option(name: .customLong("tls-cert"), help: "PEM certificate chain (reloaded when it changes).")
        var tlsCert: String

        @Option(name: .customLong("tls-key"), help: "PEM private key (reloaded when it changes).")
        var tlsKey: String

        @Option(help: "Port to listen on.")
        var port = 8443

        @Option(help: "Address to listen on.")
        var host = "0.0.0.0"

        @Option(help: "Policy: a .bulkhead.yaml with an `admission:` section (reloaded when it changes).")
        var config: String?

        func run() throws {
            let server: AdmissionServer
            do {
                server = try AdmissionServer(configuration: .init(host: host, port: port, certificatePath: tlsCert, keyPath: tlsKey, configPath: config))
            } catch {
                throw ValidationError("cannot start: \(error)")
            }
            let host = host
            do {
                try Blocking.run {
                    try await server.run { port in
                        FileHandle.standardError.write(Data("bulkhead admission webhook listening on https://\(host):\(port)\n".utf8))
                    }
                }
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    struct Certs: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certs", abstract: "Generate a CA and a serving certificate for bulkhead.NS.svc (ECDSA P-256) and print the caBundle.")

        @Option(help: "Namespace the webhook runs in.")
        var namespace: String

        @Option(help: "Directory for ca.crt, tls.crt and tls.key.")
        var out = "bulkhead-certs"

        @Option(help: "Extra DNS name (repeatable).")
        var dns: [String] = []

        @Option(help: "Extra IPv4 address (repeatable), e.g. 127.0.0.1 for local tests.")
        var ip: [String] = []

        @Option(help: "Validity in days.")
        var days = 365

        func run() throws {
            let certificates = try WebhookCertificates.generate(
                dnsNames: WebhookCertificates.serviceNames(namespace: namespace) + dns, ipAddresses: ip, days: days)
            try certificates.write(to: out)
            try Output.write("wrote \(out)/ca.crt, \(out)/ca.key, \(out)/tls.crt, \(out)/tls.key\ncaBundle: \(certificates.caBundle)\n", to: nil)
        }
    }

    struct Manifests: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "manifests", abstract: "Print the Deployment, PodDisruptionBudget, Service, ServiceAccount, NetworkPolicy and ValidatingWebhookConfiguration.",
            discussion: """
                --failure-policy Fail (default): the API server rejects what the webhook cannot judge (an outage blocks deployments,
                except in kube-system and the webhook's own namespace, which are never sent). Ignore: an outage admits everything.
                """)

        @Option(help: "Namespace the webhook runs in.")
        var namespace: String

        @Option(name: .customLong("ca-bundle"), help: "Base64 CA bundle (default: read from --certs).")
        var caBundle: String?

        @Option(help: "Directory written by `bulkhead admit certs`.")
        var certs = "bulkhead-certs"

        @Option(name: .customLong("failure-policy"), help: "Fail or Ignore.")
        var failurePolicy: InstallManifests.FailurePolicy = .fail

        @Option(name: .customLong("timeout-seconds"), help: "How long the API server waits for a verdict (1-30).")
        var timeoutSeconds = 5

        @Option(help: "Webhook image, pinned by digest.")
        var image = InstallManifests.defaultImage

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the manifests to this file instead of standard output.", valueName: "file"))
        var output: String?

        func validate() throws {
            guard (1...30).contains(timeoutSeconds) else { throw ValidationError("--timeout-seconds must be between 1 and 30") }
        }

        func run() throws {
            var bundle = caBundle
            if bundle == nil {
                let path = (certs as NSString).appendingPathComponent("ca.crt")
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw ValidationError("no --ca-bundle and cannot read \(path) (run `bulkhead admit certs` first)")
                }
                bundle = data.base64EncodedString()
            }
            let manifests = InstallManifests(namespace: namespace, caBundle: bundle ?? "", failurePolicy: failurePolicy,
                                             timeoutSeconds: timeoutSeconds, image: image)
            try Output.write(manifests.yaml, to: output)
        }
    }
}

