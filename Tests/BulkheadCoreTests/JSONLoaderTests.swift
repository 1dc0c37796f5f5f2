import BulkheadCore
import Foundation
import Testing

/// The JSON road must give exactly the tree and the diagnostics that libyaml gives for the same
/// input: every test here loads with both and compares everything (values, styles, marks, weights).
@Suite("JSON loader")
struct JSONLoaderTests {
    let fast = YAMLLoader()
    let libyaml = YAMLLoader(jsonFastPath: false)

    /// A canonical dump of a tree: every node with its mark, style and weight.
    static func dump(_ node: YAMLNode, into out: inout String) {
        node.dumpCanonical(into: &out)
    }

    func both(_ text: String) -> (fast: String, libyaml: String) {
        func render(_ output: YAMLLoader.Output) -> String {
            var out = ""
            for document in output.documents { Self.dump(document.root, into: &out); out += "\n" }
            for diagnostic in output.diagnostics { out += diagnostic.description + "\n" }
            return out
        }
        return (render(fast.load(text, file: "f.json")), render(libyaml.load(text, file: "f.json")))
    }

    @Test(arguments: [
        #"{"kind": "Pod", "spec": {"hostPID": true, "n": "true", "x": null, "port": 8080, "f": -1.5e3, "e": [], "o": {}}}"#,
        "{\n\t\"kind\": \"Pod\",\n  \"spec\": {\"containers\": [\n    {\"name\": \"web\", \"securityContext\": {\"privileged\": false}}\n  ]}\n}\n",
        #"{"esc": "a\"b\\c\/d\n\t\u00e9\u20ac", "raw": "héllo wörld 😀", "after": 1}"#,
        #"[1, "two", {"three": 3}, [4, [5]]]"#,
        #"{"a": 1, "b": 2, "a": 3}"#,
        "{\"k\": \"ü\", \"z\": {\"y\": [true,false,null]}}",
        "  \r\n{\"windows\": \"line\"}\r\n",
        // Found by scripts/fuzz: DEL and C1 controls are JSON but not YAML; both roads refuse them alike.
        "{\"a\": \"x\u{7F}y\"}",
        "{\"a\": \"x\u{85}y\", \"b\": \"\u{FEFF}\"}",
        "{" + (0..<40).map { "\"k\($0)\": \($0)" }.joined(separator: ",") + ", \"k7\": 0}",
    ])
    func sameTreeAndDiagnosticsAsLibyaml(text: String) {
        let (fast, libyaml) = both(text)
        #expect(fast == libyaml)
        #expect(!fast.isEmpty)
    }

    /// The one place the roads differ, on purpose: libyaml refuses a UTF-16 surrogate pair in a
    /// `\u` escape (YAML spells such characters `\U0001F600`), while JSON, and so the API
    /// server, reads it as one character.
    @Test func readsSurrogatePairsAsJSONDoes() throws {
        let text = #"{"emoji": "\ud83d\ude00!"}"#
        let output = fast.load(text, file: "f.json")
        #expect(output.diagnostics.isEmpty)
        #expect(output.documents.first?.root["emoji"]?.string == "😀!")
        #expect(!libyaml.load(text, file: "f.json").diagnostics.isEmpty)
    }

    @Test func reportsDuplicateKeysWithTheirPlace() throws {
        let output = fast.load("{\"a\": 1,\n \"a\": 2}", file: "f.json")
        let problem = try #require(output.diagnostics.first)
        #expect(problem.line == 2 && problem.column == 2 && problem.field == "a")
        #expect(output.documents.first?.root["a"]?.int == 2)
    }

    /// Input that is not strict JSON is left to libyaml, errors included, so the result cannot
    /// depend on which road was tried.
    @Test(arguments: [
        "{\"a\": 1,}",
        "{\"a\": 01}",
        "{\"a\": 'single'}",
        "{\"a\": 1} # a comment",
        "{\"a\": 1}\n---\n{\"b\": 2}\n",
        "{\"a\": \"tab\there\"}",
        "{\"a\": \"\\ud800\"}",
        "{\"a\": [1, 2}",
        "{\"a\": \"unterminated",
        "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "]",
    ])
    func leavesEverythingElseToLibyaml(text: String) {
        let (fast, libyaml) = both(text)
        #expect(fast == libyaml)
    }

    @Test func invalidUTF8IsLeftToLibyaml() {
        let bytes: [UInt8] = Array("{\"a\": \"".utf8) + [0xC3, 0x28] + Array("\"}".utf8)
        let fastOutput = bytes.withUnsafeBufferPointer { fast.load(bytes: $0, file: "f.json") }
        let slowOutput = bytes.withUnsafeBufferPointer { libyaml.load(bytes: $0, file: "f.json") }
        #expect(!fastOutput.diagnostics.isEmpty)
        #expect(fastOutput.diagnostics.map(\.description) == slowOutput.diagnostics.map(\.description))
    }

    /// Columns count characters, and stay right far along one long (minified) line.
    @Test func columnsCountCharactersOnLongLines() throws {
        let prefix = (0..<2000).map { "\"é\($0)\": 1" }.joined(separator: ",")
        let text = "{" + prefix + ", \"last\": true}"
        let output = fast.load(text, file: "f.json")
        let last = try #require(output.documents.first?.root.pair("last"))
        #expect(last.keyMark.line == 1)
        #expect(last.keyMark.column == prefix.count + 4)
        #expect(both(text).fast == both(text).libyaml)
    }
}
