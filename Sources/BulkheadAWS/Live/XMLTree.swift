import BulkheadCore
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// AWS's XML answers (IAM, STS, EC2, S3) as trees: an element with text is a string, an element
/// with children a mapping, and children repeated under one name a list (`<member>`, `<item>`).
/// `parse` returns the content of the document element.
enum XMLTree {
    static func parse(_ bytes: [UInt8]) -> YAMLNode? {
        let delegate = Builder()
        let parser = XMLParser(data: Data(bytes))
        parser.delegate = delegate
        guard parser.parse() else { return nil }
        return delegate.root
    }

    /// The items of a list element: its `member`/`item` children, one or many.
    static func items(_ node: YAMLNode?, _ name: String = "member") -> [YAMLNode] {
        guard let node, let child = node[name] else { return [] }
        return child.oneOrMany
    }

    private final class Builder: NSObject, XMLParserDelegate {
        struct Frame {
            var name: String
            var children: [(String, YAMLNode)] = []
            var text = ""
        }

        var stack: [Frame] = []
        var root: YAMLNode?
        let mark = Mark(line: 1, column: 1)

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            stack.append(Frame(name: elementName))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            guard let frame = stack.popLast() else { return }
            let node: YAMLNode
            if frame.children.isEmpty {
                node = YAMLNode(.scalar(YAMLScalar(value: frame.text.trimmingCharacters(in: .whitespacesAndNewlines), style: .quoted)), mark: mark)
            } else {
                var pairs: [YAMLPair] = []
                for (name, child) in frame.children {
                    if let index = pairs.firstIndex(where: { $0.key == name }) {
                        let existing = pairs[index].value
                        let items = existing.items.map { $0 + [child] } ?? [existing, child]
                        pairs[index].value = YAMLNode(.sequence(items), mark: mark)
                    } else {
                        pairs.append(YAMLPair(key: name, keyMark: mark, value: child))
                    }
                }
                node = YAMLNode(.mapping(pairs), mark: mark)
            }
            if stack.isEmpty {
                root = node
            } else {
                stack[stack.count - 1].children.append((frame.name, node))
            }
        }
    }
}
