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

        @Option(name: .customLong("drain-delay"), help: "Seconds requests are still served after SIGTERM, with /readyz failing, before draining.")
        var drainDelay = 5.0

        @Option(name: .customLong("client-timeout"), help: "Seconds a connection has for its TLS handshake and request head, and a head for its body.")
        var clientTimeout = 10.0

        func run() throws {
            guard drainDelay >= 0, clientTimeout > 0 else { throw ValidationError("--drain-delay must be 0 or more and --client-timeout more than 0") }
            let server: AdmissionServer
            do {
                var configuration = AdmissionServer.Configuration(host: host, port: port, certificatePath: tlsCert, keyPath: tlsKey, configPath: config)
                configuration.drainDelay = .milliseconds(Int(drainDelay * 1000))
                configuration.clientTimeout = .milliseconds(Int(clientTimeout * 1000))
                server = try AdmissionServer(configuration: configuration)
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
                Install in two steps: `--part server` (apply, wait for `kubectl rollout status`), then `--part webhook`. \
                Roll back with `kubectl delete validatingwebhookconfiguration bulkhead`.
                --failure-policy Fail (default): the API server rejects namespaced objects the webhook cannot judge (an outage \
                blocks deployments, except in kube-system and the webhook's own namespace, which are never sent); cluster-scoped \
                RBAC objects are always sent with Ignore. Ignore: an outage admits everything.
                --image is required (Bulkhead's image, pinned by digest: scripts/build-image prints it); without it only \
                --failure-policy Ignore prints, with a placeholder image and a warning.
                """)

        @Option(help: "Namespace the webhook runs in.")
        var namespace: String

        @Option(name: .customLong("ca-bundle"), help: "Base64 CA bundle (default: read from --certs).")
        var caBundle: String?

        @Option(help: "Directory written by `bulkhead admit certs`.")
        var certs = "bulkhead-certs"

        @Option(name: .customLong("failure-policy"), help: "Fail (default) or Ignore.")
        var failurePolicy: InstallManifests.FailurePolicy?

        @Option(name: .customLong("timeout-seconds"), help: "How long the API server waits for a verdict (1-30).")
        var timeoutSeconds = 5

        @Option(help: "Bulkhead's image, pinned by digest (REGISTRY/REPOSITORY@sha256:DIGEST).")
        var image: String?

        @Option(help: "What to print: server (apply and wait until ready), webhook (then register it), or all.")
        var part: InstallManifests.Part = .all

        @Option(name: .shortAndLong, help: ArgumentHelp("Write the manifests to this file instead of standard output.", valueName: "file"))
        var output: String?

        func validate() throws {
            guard (1...30).contains(timeoutSeconds) else { throw ValidationError("--timeout-seconds must be between 1 and 30") }
            if let image {
                if let problem = InstallManifests.imageProblem(image) { throw ValidationError(problem) }
            } else if failurePolicy != .ignore {
                throw ValidationError("""
                    no --image: a webhook whose pods cannot start blocks the cluster with --failure-policy Fail. Build Bulkhead's \
                    image (scripts/build-image) and pass --image REPOSITORY@sha256:DIGEST, or print with --failure-policy Ignore \
                    and a placeholder image to review the manifests
                    """)
            }
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
            let manifests = InstallManifests(namespace: namespace, caBundle: bundle ?? "", failurePolicy: failurePolicy ?? .fail,
                                             timeoutSeconds: timeoutSeconds, image: image ?? InstallManifests.placeholderImage)
            if image == nil {
                Output.error("warning: no --image: printing a placeholder image with failurePolicy Ignore; the webhook will not run until you give one")
            }
            try Output.write(manifests.yaml(part), to: output)
        }
    }
}


extension InstallManifests.Part: ExpressibleByArgument {}
