/// A canonical rendering of a loader's output — every node with its mark, style, tag and weight,
/// document indices and diagnostics — so two roads through the loader can be compared exactly (the
/// loader tests and the YAML fuzz targets do).
extension YAMLLoader.Output {
    package var canonical: String {
        var out = ""
        for document in documents {
            out += "#\(document.index) "
            document.root.dumpCanonical(into: &out)
            out += "\n"
        }
        for diagnostic in diagnostics { out += diagnostic.description + "\n" }
        return out
    }
}

extension YAMLNode {
    package func dumpCanonical(into out: inout String) {
        out += "@\(mark)w\(weight)"
        switch content {
        case .scalar(let scalar):
            out += "s(\(scalar.style)|\(scalar.tag ?? "-")|\(scalar.value.debugDescription))"
        case .sequence(let items):
            out += "["
            for item in items { item.dumpCanonical(into: &out); out += "," }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            for pair in pairs {
                out += "\(pair.key.debugDescription)@\(pair.keyMark):"
                pair.value.dumpCanonical(into: &out)
                out += ","
            }
            out += "}"
        }
    }
}
