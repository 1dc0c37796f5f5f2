import Foundation

extension YAMLNode {
    /// The node as Foundation JSON values, with scalars resolved as Kubernetes' decoder resolves
    /// them (null, booleans, integers; everything else a string).
    public var jsonObject: Any {
        switch content {
        case .mapping(let pairs):
            var object: [String: Any] = [:]
            for pair in pairs { object[pair.key] = pair.value.jsonObject }
            return object
        case .sequence(let items):
            return items.map(\.jsonObject)
        case .scalar(let scalar):
            if scalar.isNull { return NSNull() }
            if let bool = scalar.bool { return bool }
            if let int = scalar.int { return int }
            return scalar.value
        }
    }
}
