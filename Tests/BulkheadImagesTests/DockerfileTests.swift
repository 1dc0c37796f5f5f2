@testable import BulkheadImages
import BulkheadCore
import Testing

@Suite("Dockerfiles")
struct DockerfileTests {
    func scan(_ text: String, file: String = "Dockerfile") -> ScanResult {
        Scanner(registry: CheckRegistry(suites: [DockerfileSuite()])).scan(text: text, file: file)
    }

    @Test func parserHandlesContinuationsCommentsHeredocsAndEscape() {
        let text = """
            # syntax=docker/dockerfile:1
            # escape=`
            FROM debian:12 AS build
            RUN apt-get update && `
            # a comment inside the continuation
                apt-get install -y curl
            COPY --chown=1000:1000 --from=other a b /dst/
            RUN <<EOF
            curl https://example.com | sh
            EOF
            bogus thing
            CMD ["/app", "--x"]
            """
        let (file, diagnostics) = Dockerfile.parse(text, file: "Dockerfile")
        #expect(file.instructions.map(\.keyword) == ["FROM", "RUN", "COPY", "RUN", "CMD"])
        #expect(file.instructions[1].arguments == "apt-get update &&  apt-get install -y curl")
        #expect(file.instructions[1].line == 4)
        #expect(file.instructions[2].flags == ["chown": "1000:1000", "from": "other"])
        #expect(file.instructions[2].words == ["a", "b", "/dst/"])
        #expect(file.instructions[3].heredocs == ["curl https://example.com | sh"])
        #expect(file.instructions[4].exec == ["/app", "--x"])
        #expect(file.instructions[4].line == 12)
        #expect(diagnostics.contains { $0.line == 11 && $0.message.contains("unknown instruction BOGUS") })
    }

    @Test func findingsAtTheirLinesAndCommentSuppression() {
        let text = """
            FROM node:latest
            RUN curl -fsSL https://example.com/setup | bash
            ENV GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789AB
            # bulkhead.io/ignore: dockerfileAddInsteadOfCopy the archive is unpacked on purpose
            ADD app.js /app/
            """
        let result = scan(text)
        let lines = Dictionary(grouping: result.findings, by: \.checkID).mapValues { Set($0.map(\.location.line)) }
        #expect(lines["dockerfileLatestTag"] == [1])
        #expect(lines["dockerfileRootUser"] == [1])
        #expect(lines["dockerfilePipeToShell"] == [2])
        #expect(lines["dockerfileSecretInBuild"] == [3])
        #expect(lines["dockerfileAddInsteadOfCopy"] == nil)
        #expect(result.suppressed.contains { $0.checkID == "dockerfileAddInsteadOfCopy" && $0.location.line == 5 })
        #expect(!result.findings.contains { $0.message.contains("ghp_abcdefghij") }, "never printed")
        // The heredoc's pipe is judged too.
        let heredoc = scan("FROM debian:12\nRUN <<EOF\ncurl -fsSL https://x/y | sh\nEOF\nUSER 1000\n")
        #expect(heredoc.findings.contains { $0.checkID == "dockerfilePipeToShell" && $0.location.line == 2 })
    }

    @Test func discoveryPicksDockerfilesByName() {
        #expect(DockerfileFormat.isDockerfile("a/Dockerfile"))
        #expect(DockerfileFormat.isDockerfile("a/Dockerfile.dev"))
        #expect(DockerfileFormat.isDockerfile("a/app.Dockerfile"))
        #expect(DockerfileFormat.isDockerfile("Containerfile"))
        #expect(!DockerfileFormat.isDockerfile("a/Dockerfile.yaml"))
        #expect(!DockerfileFormat.isDockerfile("a/docker-compose.yml"))
    }
}
