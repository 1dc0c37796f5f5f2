import BulkheadCore
import BulkheadKubernetes

/// A Dockerfile check: a descriptor and a rule over the parsed instructions. Findings point at
/// the instruction (its keyword's line and column); `# bulkhead.io/ignore: <check> <reason>` on the
/// line above an instruction suppresses the check there.
public struct DockerfileCheck: Sendable {
    public let descriptor: CheckDescriptor
    let rule: @Sendable (Dockerfile) -> [(Instruction, String)]
}

/// Where a Dockerfile verdict points: the instruction.
struct InstructionSpot: Judged {
    let file: String
    let instruction: Instruction

    var ref: ResourceRef { DockerfileSuite.ref(instruction) }

    func location(_ mark: Mark?) -> SourceLocation { SourceLocation(file: file, mark: mark ?? instruction.mark) }
}

public struct DockerfileSuite: CheckSuite {
    public let checks: [DockerfileCheck]

    public init(checks: [DockerfileCheck] = DockerfileChecks.all) {
        self.checks = checks
    }

    static func ref(_ instruction: Instruction) -> ResourceRef {
        ResourceRef(apiVersion: "dockerfile", kind: "Instruction", namespace: nil, name: "line \(instruction.line) \(instruction.keyword)")
    }

    public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) }
    public var formats: [any InputFormat] { [DockerfileFormat()] }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        DockerfileSuite(checks: checks.filter { keep($0.descriptor) })
    }

    public func examines(_ descriptor: CheckDescriptor) -> Set<String> { ["Dockerfile"] }

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        for dockerfile in context.models.of(Dockerfile.self) {
            for check in checks {
                for (instruction, message) in check.rule(dockerfile) {
                    outcome.record(.violation(message, at: instruction.mark, "line \(instruction.line): \(instruction.keyword)"),
                                   of: check.descriptor, on: InstructionSpot(file: dockerfile.file, instruction: instruction))
                }
            }
            for instruction in dockerfile.instructions where instruction.keyword == "FROM" || instruction.suppression != nil {
                outcome.subjects.append(Subject(resource: Self.ref(instruction), location: SourceLocation(file: dockerfile.file, mark: instruction.mark),
                                                suppression: instruction.suppression))
            }
        }
        return outcome
    }
}

extension Instruction {
    /// The RUN's commands split at `&&`, `||`, `;` and `|` (each a list of words).
    var commands: [[String]] {
        let text = commandText
        var result: [[String]] = []
        for segment in text.split(whereSeparator: { $0 == ";" || $0 == "\n" }) {
            for piece in segment.components("&&").flatMap({ $0.components("||") }).flatMap({ $0.split(separator: "|") }) {
                let words = Dockerfile.split(String(piece)).filter { $0 != "\\" }
                if !words.isEmpty { result.append(words) }
            }
        }
        return result
    }

    /// Commands that run a program (`sudo` and `env` prefixes dropped for the name).
    func runs(_ program: String) -> [[String]] {
        commands.filter { command in
            let name = command.first { !["sudo", "env", "exec", "command", "then", "do", "if"].contains($0) && !$0.contains("=") }
            return name.map { ImagePath.base($0) } == program
        }
    }

    func runsSubcommand(_ program: String, _ subcommand: String) -> [[String]] {
        runs(program).filter { $0.contains(subcommand) }
    }
}

public enum DockerfileChecks {
    static func make(_ id: String, _ title: String, _ severity: Severity, description: String, remediation: String,
                     controls: [String] = [ControlCatalog.imageSecurity], equivalents: String,
                     failing: String, passing: String, _ rule: @escaping @Sendable (Dockerfile) -> [(Instruction, String)]) -> DockerfileCheck {
        DockerfileCheck(descriptor: CheckDescriptor(
            id: id, title: title, severity: severity, category: "dockerfile", description: description + " (\(equivalents).)",
            remediation: remediation, controls: controls, frameworks: [FrameworkReference(.nist800190, "5.1.5")], scope: .cluster,
            examples: [CheckExample(.violation, failing, file: "Dockerfile"), CheckExample(.compliant, passing, file: "Dockerfile")]), rule: rule)
    }

    static func each(_ keyword: String, _ file: Dockerfile, _ test: (Instruction) -> String?) -> [(Instruction, String)] {
        file.instructions.filter { $0.keyword == keyword }.compactMap { instruction in test(instruction).map { (instruction, $0) } }
    }

    static func stageNames(_ file: Dockerfile) -> [String] {
        file.stages.compactMap { stage in
            guard let from = stage.first, from.keyword == "FROM", from.words.count >= 3, from.words[1].lowercased() == "as" else { return nil }
            return from.words[2].lowercased()
        }
    }

    static let secretFiles = [".env", "id_rsa", "id_ed25519", "id_ecdsa", ".npmrc", ".pypirc", ".git-credentials", ".netrc", "credentials", ".aws"]

    public static let all: [DockerfileCheck] = [
        make("dockerfileLatestTag", "Base image not pinned to a version", .medium,
             description: "FROM names an image without a tag or with `:latest`: the build takes whatever the tag points at that day, so builds are not reproducible and base updates arrive unreviewed",
             remediation: "Pin the base image to a version tag, better a digest (`FROM debian:12.8@sha256:…`), and update it deliberately.",
             equivalents: "Trivy DS001, hadolint DL3006/DL3007",
             failing: "↓FROM ubuntu:latest\nUSER 1000\n", passing: "FROM ubuntu:24.04 AS base\nFROM base\nUSER 1000\n") { file in
            let aliases = Set(stageNames(file))
            return each("FROM", file) { from in
                guard let image = from.words.first else { return nil }
                let lower = image.lowercased()
                if lower == "scratch" || aliases.contains(lower) || image.contains("@") || image.contains("$") { return nil }
                let name = image.split(separator: "/").last ?? ""
                if !name.contains(":") { return "FROM \(image): no tag (means latest)" }
                if name.hasSuffix(":latest") { return "FROM \(image): the latest tag" }
                return nil
            }
        },
        make("dockerfileRootUser", "Image's last USER is root", .high,
             description: "The final stage sets no USER, or its last USER is root: containers from the image run as root unless the pod says otherwise",
             remediation: "Create an unprivileged user and end the final stage with `USER <uid>` (numeric, so `runAsNonRoot` can verify it).",
             controls: [ControlCatalog.containerConfiguration], equivalents: "Trivy DS002, hadolint DL3002",
             failing: "FROM debian:12\nRUN useradd -u 1000 app\n↓USER root\nCMD [\"/app\"]\n", passing: "FROM debian:12\nUSER root\nRUN useradd -u 1000 app\nUSER 1000\n") { file in
            guard let stage = file.stages.last, let from = stage.first else { return [] }
            if let user = stage.last(where: { $0.keyword == "USER" }) {
                let name = user.words.first?.split(separator: ":").first.map(String.init) ?? ""
                return name == "root" || name == "0" ? [(user, "the last USER is \(name)")] : []
            }
            return from.words.first?.lowercased() == "scratch" ? [] : [(from, "the final stage sets no USER: it runs as root")]
        },
        make("dockerfileSSHPort", "Port 22 exposed", .medium,
             description: "EXPOSE 22: an SSH server in a container is an unaudited way in",
             remediation: "Remove the SSH server and EXPOSE 22; use `kubectl exec` or ephemeral debug containers.",
             controls: [ControlCatalog.containerConfiguration], equivalents: "Trivy DS004",
             failing: "FROM debian:12\n↓EXPOSE 80 22/tcp\nUSER 1000\n", passing: "FROM debian:12\nEXPOSE 8080\nUSER 1000\n") { file in
            each("EXPOSE", file) { expose in expose.words.contains { $0 == "22" || $0.hasPrefix("22/") } ? "EXPOSE 22" : nil }
        },
        make("dockerfileAddInsteadOfCopy", "ADD used to copy local files", .low,
             description: "ADD copies local files but also unpacks archives and fetches URLs; for plain files COPY says what happens",
             remediation: "Use COPY for files and directories; keep ADD for archives that must be unpacked.",
             equivalents: "Trivy DS005, hadolint DL3020",
             failing: "FROM debian:12\n↓ADD app.py /app/\nUSER 1000\n", passing: "FROM debian:12\nCOPY app.py /app/\nADD rootfs.tar.gz /\nUSER 1000\n") { file in
            each("ADD", file) { add in
                let sources = (add.exec ?? add.words).dropLast()
                let archive = [".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz", ".tbz2", ".zip"]
                guard !sources.isEmpty, sources.allSatisfy({ source in !source.contains("://") && !archive.contains { source.lowercased().hasSuffix($0) } && !source.hasPrefix("<<") }) else { return nil }
                return "ADD \(sources.joined(separator: " ")): use COPY"
            }
        },
        make("dockerfileCopyFromSelf", "COPY --from names its own stage", .high,
             description: "`COPY --from=<alias>` where the alias is the current stage: the build fails or copies from an unintended image",
             remediation: "Copy from an earlier stage's alias.", equivalents: "Trivy DS006, hadolint DL3023",
             failing: "FROM golang:1.22 AS build\n↓COPY --from=build /out /out\nUSER 1000\n", passing: "FROM golang:1.22 AS build\nRUN go build -o /out .\nFROM debian:12\nCOPY --from=build /out /out\nUSER 1000\n") { file in
            file.stages.flatMap { stage -> [(Instruction, String)] in
                guard let from = stage.first, from.words.count >= 3, from.words[1].lowercased() == "as" else { return [] }
                let alias = from.words[2].lowercased()
                return stage.filter { $0.keyword == "COPY" && $0.flags["from"]?.lowercased() == alias }.map { ($0, "COPY --from=\(alias) inside stage \(alias)") }
            }
        },
        make("dockerfileDuplicateInstruction", "More than one CMD, ENTRYPOINT or HEALTHCHECK in a stage", .medium,
             description: "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect; earlier ones mislead the reader",
             remediation: "Keep one of each per stage.", equivalents: "Trivy DS007, DS016, DS023, hadolint DL4003/DL4004",
             failing: "FROM debian:12\nUSER 1000\nCMD [\"a\"]\n↓CMD [\"b\"]\n", passing: "FROM debian:12\nUSER 1000\nCMD [\"b\"]\n") { file in
            file.stages.flatMap { stage in
                ["CMD", "ENTRYPOINT", "HEALTHCHECK"].flatMap { keyword in
                    stage.filter { $0.keyword == keyword }.dropFirst().map { ($0, "another \(keyword) in the same stage: only the last one counts") }
                }
            }
        },
        make("dockerfilePortOutOfRange", "EXPOSE of a port outside 0–65535", .low,
             description: "EXPOSE names a port that cannot exist", remediation: "Expose a port between 1 and 65535.", equivalents: "Trivy DS008, hadolint DL3011",
             failing: "FROM debian:12\n↓EXPOSE 80000\nUSER 1000\n", passing: "FROM debian:12\nEXPOSE 8000\nUSER 1000\n") { file in
            each("EXPOSE", file) { expose in
                let bad = expose.words.compactMap { word -> String? in
                    guard let port = Int(word.split(separator: "/").first ?? "") else { return nil }
                    return port > 65535 ? word : nil
                }
                return bad.isEmpty ? nil : "EXPOSE \(bad.joined(separator: " ")): out of range"
            }
        },
        make("dockerfileRelativeWorkdir", "WORKDIR is a relative path", .low,
             description: "A relative WORKDIR depends on every WORKDIR before it", remediation: "Use an absolute path.", equivalents: "Trivy DS009, hadolint DL3000",
             failing: "FROM debian:12\n↓WORKDIR app\nUSER 1000\n", passing: "FROM debian:12\nWORKDIR /app\nUSER 1000\n") { file in
            each("WORKDIR", file) { workdir in
                guard let path = workdir.words.first, !path.hasPrefix("/"), !path.hasPrefix("$"), !(path.count >= 2 && path.dropFirst().first == ":") else { return nil }
                return "WORKDIR \(path) is relative"
            }
        },
        make("dockerfileSudo", "RUN uses sudo", .medium,
             description: "sudo in a build means the stage runs as a user that needs root: its behaviour (TTY, PAM) is unpredictable in a build",
             remediation: "Switch to root with USER for the privileged steps, then back to the unprivileged user.", equivalents: "Trivy DS010, hadolint DL3004",
             failing: "FROM debian:12\nUSER 1000\n↓RUN sudo apt-get update\n", passing: "FROM debian:12\nRUN apt-get update\nUSER 1000\n") { file in
            each("RUN", file) { run in run.commands.contains { $0.first == "sudo" } ? "sudo in RUN" : nil }
        },
        make("dockerfileCopyToNonDirectory", "COPY of several sources to a destination not ending in /", .low,
             description: "With more than one source, COPY's destination must be a directory written with a trailing slash",
             remediation: "End the destination with `/`.", equivalents: "Trivy DS011, hadolint DL3021",
             failing: "FROM debian:12\n↓COPY a.txt b.txt /app\nUSER 1000\n", passing: "FROM debian:12\nCOPY a.txt b.txt /app/\nUSER 1000\n") { file in
            each("COPY", file) { copy in
                let arguments = copy.exec ?? copy.words
                guard arguments.count > 2, let destination = arguments.last, !destination.hasSuffix("/"), !destination.hasPrefix("$"), !arguments.contains(where: { $0.hasPrefix("<<") }) else { return nil }
                return "COPY of \(arguments.count - 1) sources to \(destination)"
            }
        },
        make("dockerfileDuplicateAlias", "Two stages with the same alias", .medium,
             description: "Two FROM … AS lines use the same name: COPY --from and --target pick one ambiguously", remediation: "Give every stage its own alias.",
             equivalents: "Trivy DS012, hadolint DL3024",
             failing: "FROM golang:1.22 AS build\nRUN make\n↓FROM golang:1.22 AS build\nUSER 1000\n", passing: "FROM golang:1.22 AS build\nRUN make\nFROM debian:12 AS run\nUSER 1000\n") { file in
            var seen: Set<String> = []
            return each("FROM", file) { from in
                guard from.words.count >= 3, from.words[1].lowercased() == "as" else { return nil }
                return seen.insert(from.words[2].lowercased()).inserted ? nil : "the alias \(from.words[2]) is used twice"
            }
        },
        make("dockerfileRunCd", "RUN cd instead of WORKDIR", .low,
             description: "`RUN cd dir` changes directory for that RUN only; WORKDIR says where the following steps run",
             remediation: "Use WORKDIR.", equivalents: "Trivy DS013, hadolint DL3003",
             failing: "FROM debian:12\n↓RUN cd /app && make\nUSER 1000\n", passing: "FROM debian:12\nWORKDIR /app\nRUN make\nUSER 1000\n") { file in
            each("RUN", file) { run in run.commands.contains { $0.first == "cd" } ? "cd in RUN: use WORKDIR" : nil }
        },
        make("dockerfileCurlAndWget", "Both curl and wget used", .low,
             description: "Both downloaders installed and used where one would do: a larger image and attack surface",
             remediation: "Use one of them throughout the Dockerfile.", equivalents: "Trivy DS014, hadolint DL4001",
             failing: "FROM debian:12\nRUN curl -fsSLO https://example.com/a\n↓RUN wget https://example.com/b\nUSER 1000\n", passing: "FROM debian:12\nRUN curl -fsSLO https://example.com/a\nRUN curl -fsSLO https://example.com/b\nUSER 1000\n") { file in
            let runs = file.instructions.filter { $0.keyword == "RUN" }
            guard runs.contains(where: { !$0.runs("curl").isEmpty }) else { return [] }
            return runs.filter { !$0.runs("wget").isEmpty }.map { ($0, "wget where curl is also used") }
        },
        make("dockerfilePackageCacheKept", "Package manager cache left in the layer", .low,
             description: "A package install keeps its cache in the layer (apk add without --no-cache, apt-get without removing /var/lib/apt/lists, yum/dnf without `clean all`, zypper without `clean`, pip without --no-cache-dir): a larger image that carries stale indexes",
             remediation: "Clean in the same RUN: `apk add --no-cache`, `rm -rf /var/lib/apt/lists/*`, `yum clean all`, `dnf clean all`, `zypper clean`, `pip install --no-cache-dir`.",
             equivalents: "Trivy DS015, DS019, DS020, DS025, hadolint DL3009, DL3019, DL3042",
             failing: "FROM alpine:3.20\n↓RUN apk add curl\nUSER 1000\n", passing: "FROM alpine:3.20\nRUN apk add --no-cache curl\nUSER 1000\n") { file in
            each("RUN", file) { run in
                let text = run.commandText
                if run.flags["mount"]?.contains("type=cache") == true { return nil }
                if run.runsSubcommand("apk", "add").contains(where: { !$0.contains("--no-cache") }) { return "apk add without --no-cache" }
                if !run.runsSubcommand("apt-get", "install").isEmpty, !text.contains("/var/lib/apt/lists") { return "apt-get install without removing /var/lib/apt/lists" }
                for manager in ["yum", "dnf", "microdnf"] where !run.runsSubcommand(manager, "install").isEmpty && !text.contains("\(manager) clean all") {
                    return "\(manager) install without `\(manager) clean all`"
                }
                if !run.runsSubcommand("zypper", "install").isEmpty || !run.runsSubcommand("zypper", "in").isEmpty, !text.contains("zypper clean") {
                    return "zypper install without `zypper clean`"
                }
                if (run.runsSubcommand("pip", "install") + run.runsSubcommand("pip3", "install")).contains(where: { !$0.contains("--no-cache-dir") }),
                   !text.contains("PIP_NO_CACHE_DIR") {
                    return "pip install without --no-cache-dir"
                }
                return nil
            }
        },
        make("dockerfileUpdateAlone", "Package index update in a RUN of its own", .medium,
             description: "`RUN apt-get update` (or `apk update`, `yum makecache`) alone is cached as a layer: a later install runs against a stale index",
             remediation: "Update and install in the same RUN.", equivalents: "Trivy DS017, hadolint DL3009",
             failing: "FROM debian:12\n↓RUN apt-get update\nRUN apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
             passing: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n") { file in
            each("RUN", file) { run in
                let commands = run.commands
                for (manager, update) in [("apt-get", "update"), ("apt", "update"), ("apk", "update"), ("yum", "makecache"), ("dnf", "makecache")] {
                    if !run.runsSubcommand(manager, update).isEmpty, !commands.contains(where: { $0.contains("install") || $0.contains("add") || $0.contains("upgrade") }) {
                        return "\(manager) \(update) without an install in the same RUN"
                    }
                }
                return nil
            }
        },
        make("dockerfileAptGetNoYes", "apt-get install without -y", .medium,
             description: "apt-get install asks for confirmation; without -y the build fails or hangs", remediation: "Add `-y` (or `--yes`, `-qy`).",
             equivalents: "Trivy DS021, hadolint DL3014",
             failing: "FROM debian:12\n↓RUN apt-get update && apt-get install --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
             passing: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n") { file in
            each("RUN", file) { run in
                run.runsSubcommand("apt-get", "install").contains { command in
                    !command.contains { $0 == "-y" || $0 == "--yes" || $0 == "--assume-yes" || ($0.hasPrefix("-") && !$0.hasPrefix("--") && $0.contains("y")) }
                } ? "apt-get install without -y" : nil
            }
        },
        make("dockerfileMaintainer", "MAINTAINER is deprecated", .info,
             description: "MAINTAINER was deprecated in favour of a label", remediation: "Use `LABEL org.opencontainers.image.authors=…`.",
             equivalents: "Trivy DS022, hadolint DL4000",
             failing: "FROM debian:12\n↓MAINTAINER someone@example.com\nUSER 1000\n", passing: "FROM debian:12\nLABEL org.opencontainers.image.authors=someone@example.com\nUSER 1000\n") { file in
            each("MAINTAINER", file) { _ in "MAINTAINER: use LABEL org.opencontainers.image.authors" }
        },
        make("dockerfileDistUpgrade", "apt-get dist-upgrade in the build", .low,
             description: "dist-upgrade can change the distribution's release under the image: upgrade by rebuilding on a newer base",
             remediation: "Rebuild on an updated base image; install only the packages the image needs.", equivalents: "Trivy DS024, hadolint DL3005",
             failing: "FROM debian:12\n↓RUN apt-get update && apt-get dist-upgrade -y && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
             passing: "FROM debian:12.8\nUSER 1000\n") { file in
            each("RUN", file) { run in run.runsSubcommand("apt-get", "dist-upgrade").isEmpty ? nil : "apt-get dist-upgrade" }
        },
        make("dockerfileNoHealthcheck", "No HEALTHCHECK", .info,
             description: "The final stage declares no HEALTHCHECK (runtimes other than Kubernetes use it; in Kubernetes, define probes instead)",
             remediation: "Add a HEALTHCHECK, or rely on the pod's liveness and readiness probes and say so with `HEALTHCHECK NONE`.",
             controls: [ControlCatalog.containerConfiguration], equivalents: "Trivy DS026",
             failing: "↓FROM debian:12\nUSER 1000\nCMD [\"/app\"]\n", passing: "FROM debian:12\nUSER 1000\nHEALTHCHECK NONE\nCMD [\"/app\"]\n") { file in
            guard let stage = file.stages.last, let from = stage.first, !stage.contains(where: { $0.keyword == "HEALTHCHECK" }) else { return [] }
            return [(from, "the final stage has no HEALTHCHECK")]
        },
        make("dockerfileNoInstallRecommends", "apt-get install without --no-install-recommends", .low,
             description: "Recommended packages come along by default: more packages, more vulnerabilities", remediation: "Add `--no-install-recommends`.",
             equivalents: "Trivy DS029, hadolint DL3015",
             failing: "FROM debian:12\n↓RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n",
             passing: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*\nUSER 1000\n") { file in
            each("RUN", file) { run in
                run.runsSubcommand("apt-get", "install").contains { !$0.contains("--no-install-recommends") } && !run.commandText.contains("APT::Install-Recommends")
                    ? "apt-get install without --no-install-recommends" : nil
            }
        },
        make("dockerfileSecretInBuild", "Secret in ARG, ENV or a copied file", .critical,
             description: "A credential goes into the image: an ARG or ENV whose value looks like one (build arguments are kept in the image's history), or a COPY/ADD of a file that holds credentials by convention (.env, private keys, .aws, .npmrc). Values are never printed",
             remediation: "Use build secrets (`RUN --mount=type=secret,id=…`) and run-time Secrets; keep the files out of the context with .dockerignore; rotate what was exposed.",
             controls: [ControlCatalog.secrets, ControlCatalog.imageSecurity], equivalents: "Trivy DS031; beyond hadolint",
             failing: "FROM debian:12\n↓ENV AWS_SECRET_ACCESS_KEY=Zq4mX9tR2vB7nK1pL8sD3fG6hJ0wE5yU2iO4aC7x\n↓COPY .env /app/.env\nUSER 1000\n",
             passing: "FROM debian:12\nARG VERSION=1.2.3\nENV APP_ENV=production\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci\nUSER 1000\n") { file in
            var found: [(Instruction, String)] = []
            for instruction in file.instructions where instruction.keyword == "ENV" || instruction.keyword == "ARG" {
                var pairs: [(String, String)] = []
                let words = instruction.words
                if instruction.keyword == "ENV", words.count >= 2, !words[0].contains("=") {
                    pairs.append((words[0], words.dropFirst().joined(separator: " ")))
                } else {
                    for word in words {
                        let parts = word.split(separator: "=", maxSplits: 1)
                        if parts.count == 2 { pairs.append((String(parts[0]), String(parts[1]))) }
                    }
                }
                for (name, value) in pairs where !value.hasPrefix("$") {
                    guard let match = CredentialDetector.inspect(name: name, value: value) else { continue }
                    found.append((instruction, "\(instruction.keyword) \(name) holds a \(match.kind): \(CredentialDetector.mask(value))"))
                }
            }
            for instruction in file.instructions where instruction.keyword == "COPY" || instruction.keyword == "ADD" {
                let sources = (instruction.exec ?? instruction.words).dropLast()
                if let source = sources.first(where: { source in secretFiles.contains { ImagePath.base(source) == $0 || source.hasSuffix("/" + $0) } || source.hasSuffix(".pem") || source.hasSuffix(".key") }) {
                    found.append((instruction, "\(instruction.keyword) \(source): a file that holds credentials goes into a layer"))
                }
            }
            return found
        },
        make("dockerfilePipeToShell", "Script downloaded and piped to a shell", .high,
             description: "`curl … | sh` (or wget -O- | bash) runs whatever the server sends, unverified, as the build's user",
             remediation: "Download to a file, verify its checksum or signature, then run it.", equivalents: "not in Trivy or hadolint",
             failing: "FROM debian:12\n↓RUN curl -fsSL https://example.com/install.sh | sh\nUSER 1000\n",
             passing: "FROM debian:12\nRUN curl -fsSLo /tmp/install.sh https://example.com/install.sh && echo \"24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d  /tmp/install.sh\" | sha256sum -c && sh /tmp/install.sh\nUSER 1000\n") { file in
            each("RUN", file) { run in
                let text = run.commandText
                let segments = text.split(separator: "|").map { Dockerfile.split(String($0)) }
                for (index, segment) in segments.enumerated().dropFirst() {
                    guard let shell = segment.first(where: { $0 != "sudo" }).map({ ImagePath.base($0) }), ["sh", "bash", "zsh", "ash", "dash", "python", "python3", "perl"].contains(shell) else { continue }
                    let previous = segments[index - 1]
                    if previous.contains(where: { ["curl", "wget"].contains(ImagePath.base($0)) }) { return "a download piped into \(shell)" }
                }
                return nil
            }
        },
        make("dockerfileAddFromURL", "ADD from a URL without a checksum", .medium,
             description: "`ADD https://…` fetches at build time without verifying what arrives",
             remediation: "Use `ADD --checksum=sha256:… <url>`, or download and verify in a RUN.", equivalents: "hadolint DL3020 in part; Trivy none",
             failing: "FROM debian:12\n↓ADD https://example.com/tool.tar.gz /opt/\nUSER 1000\n",
             passing: "FROM debian:12\nADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/\nUSER 1000\n") { file in
            each("ADD", file) { add in
                guard add.flags["checksum"] == nil, let url = (add.exec ?? add.words).dropLast().first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else { return nil }
                return "ADD \(url) without --checksum"
            }
        },
        make("dockerfileUnpinnedPackages", "Packages installed without versions", .info,
             description: "apt-get, apk or pip installs packages without a version: the image's content changes from build to build",
             remediation: "Pin versions (`curl=8.5.0-2`, `curl=~8.5`, `requests==2.32.3`) or use a lock file (`pip install -r requirements.txt` with hashes).",
             equivalents: "hadolint DL3008, DL3018, DL3013",
             failing: "FROM alpine:3.20\n↓RUN apk add --no-cache curl\nUSER 1000\n", passing: "FROM alpine:3.20\nRUN apk add --no-cache curl=8.9.1-r2\nUSER 1000\n") { file in
            each("RUN", file) { run in
                func unpinned(_ commands: [[String]], after subcommand: String, pinned: (String) -> Bool) -> [String] {
                    commands.flatMap { command -> [String] in
                        guard let start = command.firstIndex(of: subcommand) else { return [] }
                        return command[(start + 1)...].filter { !$0.hasPrefix("-") && !$0.hasPrefix("$") && !$0.contains("/") && !$0.hasSuffix(".txt") && !pinned($0) }
                    }
                }
                let apt = unpinned(run.runsSubcommand("apt-get", "install"), after: "install") { $0.contains("=") }
                let apk = unpinned(run.runsSubcommand("apk", "add"), after: "add") { $0.contains("=") || $0.contains("~") }
                let pipCommands = run.runsSubcommand("pip", "install") + run.runsSubcommand("pip3", "install")
                let pip = pipCommands.contains { $0.contains("-r") || $0.contains("--requirement") } ? [] : unpinned(pipCommands, after: "install") { $0.contains("==") || $0.contains(">=") || $0 == "." }
                let all = apt + apk + pip
                return all.isEmpty ? nil : "unpinned: \(all.prefix(5).joined(separator: " "))\(all.count > 5 ? " …" : "")"
            }
        },
        make("dockerfileShellFormEntrypoint", "CMD or ENTRYPOINT in shell form", .low,
             description: "The shell form runs the program under `/bin/sh -c`: it does not receive SIGTERM, so pods are killed at the grace period's end",
             remediation: "Use the exec form: `CMD [\"/app\", \"--flag\"]`.", controls: [ControlCatalog.containerConfiguration], equivalents: "hadolint DL3025",
             failing: "FROM debian:12\nUSER 1000\n↓ENTRYPOINT /app --serve\n", passing: "FROM debian:12\nUSER 1000\nENTRYPOINT [\"/app\", \"--serve\"]\n") { file in
            file.instructions.filter { ($0.keyword == "CMD" || $0.keyword == "ENTRYPOINT") && $0.exec == nil && !$0.arguments.isEmpty }
                .map { ($0, "\($0.keyword) in shell form: signals go to the shell, not the program") }
        },
        make("dockerfileAptInsteadOfAptGet", "apt used in a build", .low,
             description: "apt is for people at a terminal; its interface is not stable for scripts", remediation: "Use apt-get or apt-cache.",
             equivalents: "hadolint DL3027",
             failing: "FROM debian:12\n↓RUN apt install -y curl\nUSER 1000\n",
             passing: "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u8 && rm -rf /var/lib/apt/lists/*\nUSER 1000\n") { file in
            each("RUN", file) { run in run.runs("apt").isEmpty ? nil : "apt in RUN: use apt-get" }
        },
        make("dockerfilePipefail", "RUN with a pipe and no pipefail", .low,
             description: "In `RUN a | b` only b's failure fails the build: a failed download piped into tar builds a broken image",
             remediation: "Set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before such RUNs, or `set -o pipefail &&` in them.",
             equivalents: "hadolint DL4006",
             failing: "FROM debian:12\n↓RUN wget -qO- https://example.com/x.tar.gz | tar xz\nUSER 1000\n",
             passing: "FROM debian:12\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN wget -qO- https://example.com/x.tar.gz | tar xz\nUSER 1000\n") { file in
            file.stages.flatMap { stage -> [(Instruction, String)] in
                var pipefail = false
                var found: [(Instruction, String)] = []
                for instruction in stage {
                    if instruction.keyword == "SHELL" { pipefail = instruction.exec?.contains("pipefail") ?? false }
                    guard instruction.keyword == "RUN", instruction.exec == nil, !pipefail else { continue }
                    let text = instruction.arguments
                    if text.components("||").joined(separator: " ").contains("|"), !text.contains("pipefail") {
                        found.append((instruction, "a pipe without pipefail: only the last command's failure counts"))
                    }
                }
                return found
            }
        },
    ]
}
