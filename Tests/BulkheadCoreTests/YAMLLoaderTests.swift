import BulkheadCore
import Testing

@Suite("YAML loader")
struct YAMLLoaderTests {
    let loader = YAMLLoader()

    @Test func keepsLineAndColumnOfEveryKeyAndValue() throws {
        let output = loader.load("a: 1\nspec:\n  containers:\n  - name: web\n    privileged: true\n", file: "f.yaml")
        #expect(output.diagnostics.isEmpty)
        let root = try #require(output.documents.first?.root)
        let container = try #require(root["spec"]?["containers"]?.items?.first)
        let privileged = try #require(container.pair("privileged"))
        #expect(privileged.keyMark == Mark(line: 5, column: 5))
        #expect(privileged.value.mark == Mark(line: 5, column: 17))
        #expect(privileged.value.bool == true)
        #expect(container["name"]?.string == "web")
    }

    @Test func readsEveryDocumentOfAStream() {
        let output = loader.load("---\na: 1\n---\n---\nb: 2\n...\n---\nc: [1, 2]\n", file: "f.yaml")
        #expect(output.documents.count == 4)
        #expect(output.documents.compactMap { $0.root["b"]?.int } == [2])
        #expect(output.documents.last?.root.mark.line == 8)
    }

    @Test func readsJSON() throws {
        let output = loader.load("{\n\t\"kind\": \"Pod\",\n\t\"spec\": {\"hostPID\": true, \"n\": \"true\"}\n}", file: "f.json")
        #expect(output.diagnostics.isEmpty)
        let spec = try #require(output.documents.first?.root["spec"])
        #expect(spec["hostPID"]?.bool == true)
        #expect(spec["n"]?.bool == nil, "a quoted \"true\" is a string, not a boolean")
        #expect(spec["hostPID"]?.mark == Mark(line: 3, column: 22), "a tab is one column")
    }

    @Test func resolvesScalarsAsKubernetesDoes() {
        let output = loader.load("a: yes\nb: Off\nc: '1'\nd: 0x1F\ne: ~\nf:\ng: \"null\"\nh: -12\n", file: "f.yaml")
        let root = output.documents[0].root
        #expect(root["a"]?.bool == true)
        #expect(root["b"]?.bool == false)
        #expect(root["c"]?.int == nil)
        #expect(root["d"]?.int == 31)
        #expect(root["e"]?.isNull == true)
        #expect(root["f"]?.isNull == true)
        #expect(root["g"]?.isNull == false)
        #expect(root["h"]?.int == -12)
    }

    @Test func reportsDuplicateKeysAndKeepsTheLastValue() throws {
        let output = loader.load("spec:\n  hostPID: false\n  hostPID: true\n", file: "dup.yaml")
        let diagnostic = try #require(output.diagnostics.first)
        #expect(diagnostic.line == 3)
        #expect(diagnostic.message.contains("duplicate key \"hostPID\""))
        #expect(diagnostic.message.contains("line 2"))
        #expect(output.documents.first?.root["spec"]?["hostPID"]?.bool == true)
    }

    @Test func appliesAnchorsAliasesAndMergeKeys() throws {
        let yaml = """
            base: &sc
              privileged: true
              runAsUser: 0
            list: [&x 1, *x]
            container:
              <<: *sc
              runAsUser: 1000
            """
        let output = loader.load(yaml, file: "f.yaml")
        #expect(output.diagnostics.isEmpty)
        let root = try #require(output.documents.first?.root)
        #expect(root["list"]?.items?.compactMap(\.int) == [1, 1])
        #expect(root["container"]?["privileged"]?.bool == true)
        #expect(root["container"]?["runAsUser"]?.int == 1000, "keys written in the mapping win over merged ones")
    }

    @Test func rejectsAnAliasBombWithoutExpandingIt() throws {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            yaml += "a\(level): &a\(level) [\(refs)]\n"
        }
        let output = loader.load(yaml, file: "bomb.yaml")
        #expect(output.documents.isEmpty)
        let diagnostic = try #require(output.diagnostics.first)
        #expect(diagnostic.message.contains("alias expansion limit"))
    }

    @Test func countsEachNodeOnceTowardsTheExpansionLimit() {
        // About 430 nodes nested three deep: under a 1,000-node limit, however deep they sit.
        var yaml = "a:\n"
        for group in 0..<10 {
            yaml += "  g\(group):\n    inner:\n"
            for key in 0..<20 { yaml += "      k\(key): v\n" }
        }
        let output = YAMLLoader(limits: .init(maxNodes: 1000)).load(yaml, file: "f.yaml")
        #expect(output.diagnostics.isEmpty)
        #expect(output.documents.count == 1)
    }

    @Test func reportsUnknownAliases() {
        let output = loader.load("a: *nowhere\n", file: "f.yaml")
        #expect(output.documents.isEmpty)
        #expect(output.diagnostics.first?.message.contains("unknown alias") == true || output.diagnostics.first?.message.contains("undefined alias") == true)
    }

    @Test func rejectsRunawayNesting() {
        let deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        let output = loader.load(deep, file: "deep.yaml")
        #expect(output.documents.isEmpty)
        #expect(output.diagnostics.first?.message.contains("nested deeper than 512") == true)
        let deeper = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let libyamlLimit = loader.load(deeper, file: "deeper.yaml")
        #expect(libyamlLimit.documents.isEmpty)
        #expect(libyamlLimit.diagnostics.first?.message.contains("nest") == true)
    }

    @Test func reportsTabsWithTheirPositionAndReadsTheNextDocuments() throws {
        let yaml = "kind: A\n---\nkind: B\nspec:\n\tbad: tab\n---\nkind: C\n"
        let output = loader.load(yaml, file: "tabs.yaml")
        let diagnostic = try #require(output.diagnostics.first)
        #expect(diagnostic.file == "tabs.yaml")
        #expect(diagnostic.line == 5)
        #expect(diagnostic.message.hasPrefix("YAML syntax error"))
        #expect(output.documents.compactMap { $0.root["kind"]?.string } == ["A", "C"])
        #expect(output.documents.last?.root.mark.line == 7, "line numbers stay right after resuming")
    }

    @Test func reportsTruncatedInput() throws {
        let output = loader.load("spec:\n  containers:\n  - name: \"web\n", file: "cut.yaml")
        let diagnostic = try #require(output.diagnostics.first)
        #expect(diagnostic.line >= 3)
        #expect(output.documents.isEmpty)
    }

    @Test func reportsInvalidUTF8() {
        let bytes: [UInt8] = Array("a: ".utf8) + [0xC3, 0x28] + Array("\n".utf8)
        let output = bytes.withUnsafeBufferPointer { loader.load(bytes: $0, file: "bad.yaml") }
        #expect(!output.diagnostics.isEmpty)
    }
}

@Suite("Globs")
struct GlobTests {
    @Test(arguments: [
        ("charts/**", "charts/a/b.yaml", true),
        ("charts/*.yaml", "charts/a/b.yaml", false),
        ("charts/**/b.yaml", "charts/b.yaml", true),
        ("kube-*", "kube-system", true),
        ("DaemonSet/node-*", "DaemonSet/node-exporter", true),
        ("DaemonSet/node-?", "DaemonSet/node-ab", false),
        ("*", "", true),
    ])
    func matches(pattern: String, text: String, expected: Bool) {
        #expect(Glob(pattern).matches(text) == expected)
    }
}
