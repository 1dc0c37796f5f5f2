/// Who secures a control under the AWS shared-responsibility model.
public enum ResponsibilityOwner: String, Sendable, Codable {
    case aws
    case customer
    case shared
}

/// A control of the shared-responsibility matrix that checks provide evidence for.
/// Controls are data: a check names the controls it evidences by ID, and the catalogue below
/// (extended by the responsibility-matrix work) says what each one is.
public struct Control: Sendable, Codable, Hashable {
    public var id: String
    public var layer: String
    public var title: String
    public var owner: ResponsibilityOwner
    public var statement: String

    public init(id: String, layer: String, title: String, owner: ResponsibilityOwner, statement: String) {
        self.id = id
        self.layer = layer
        self.title = title
        self.owner = owner
        self.statement = statement
    }
}

/// A requirement of a compliance framework that a check supports.
public struct FrameworkReference: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Framework: String, Sendable, Codable {
        case cisEKS = "CIS Amazon EKS Benchmark v1.8.0"
        case nist800190 = "NIST SP 800-190"
        case pssStandard = "Kubernetes Pod Security Standards"
    }

    public var framework: Framework
    public var requirement: String

    public init(_ framework: Framework, _ requirement: String) {
        self.framework = framework
        self.requirement = requirement
    }

    public var description: String { "\(framework.rawValue) \(requirement)" }
}

public enum ControlCatalog {
    public static let podSecurity = "CUST-K8S-POD-SECURITY"
    public static let rbac = "CUST-K8S-RBAC"
    public static let networkPolicies = "CUST-K8S-NETWORK-POLICIES"
    public static let identity = "CUST-IAM-IRSA"
    public static let secrets = "CUST-DATA-SECRETS"
    public static let imageSecurity = "CUST-IMAGE-SECURITY"
    public static let containerConfiguration = "CUST-CONTAINER-CONFIGURATION"

    /// The controls known to this build, by ID.
    public static let controls: [String: Control] = {
        let all = [
            Control(
                id: podSecurity,
                layer: "Kubernetes configuration",
                title: "Pod security",
                owner: .customer,
                statement: "SecurityContext configuration and Pod Security Admission policies are the customer's: "
                    + "AWS runs the EKS control plane, but what a pod may do on a node is set by the customer's manifests."
            ),
            Control(id: rbac, layer: "Kubernetes configuration", title: "RBAC", owner: .customer,
                    statement: "Service account permissions and role-based access controls."),
            Control(id: networkPolicies, layer: "Kubernetes configuration", title: "Network policies", owner: .customer,
                    statement: "Pod-to-pod communication rules, ingress/egress controls."),
            Control(id: identity, layer: "Identity and access management", title: "IAM roles for pods (IRSA)", owner: .customer,
                    statement: "Pod-level AWS permissions through IAM Roles for Service Accounts: service accounts annotated with "
                        + "the IAM role ARN, pods using the annotated service account."),
            Control(id: secrets, layer: "Data protection", title: "Secrets management", owner: .customer,
                    statement: "Runtime secrets injection: Secrets Manager through the Secrets Store CSI driver, pod volume mounts "
                        + "for secret consumption; no credentials in manifests."),
            Control(id: imageSecurity, layer: "Container images and applications", title: "Image security", owner: .customer,
                    statement: "Base image selection, vulnerability scanning, approved registries, immutable image references."),
            Control(id: containerConfiguration, layer: "Container images and applications", title: "Container configuration", owner: .customer,
                    statement: "Non-root users, minimal attack surface, resource limits, health checks."),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
    }()
}
