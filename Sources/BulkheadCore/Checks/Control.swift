/// Who secures a control under the AWS shared-responsibility model.
public enum ResponsibilityOwner: String, Sendable, Codable {
    case aws
    case customer
    case shared
}

/// How a control can be assessed, and so what the matrix says when it has no evidence.
public enum Assessment: String, Sendable, Codable {
    /// AWS's side: inherited, documented in AWS's own attestations.
    case inherited
    /// From Kubernetes manifests (this build's checks and probes).
    case manifests
    /// From the AWS account or its infrastructure code (CloudFormation, Terraform, --aws).
    case aws
    /// From process evidence (documents, reviews): not machine-checkable here.
    case process
    /// From image or registry data (signatures, scan results) this build does not read.
    case registry
}

/// Evidence that is not a check's finding: the presence of an object in the input.
public enum ControlProbe: String, Sendable, Codable {
    /// Namespaces enforce the restricted Pod Security level.
    case podSecurityAdmissionRestricted
    /// An admission controller (webhook, ValidatingAdmissionPolicy, Kyverno, Gatekeeper, PSA labels).
    case admissionController
    /// The Secrets Store CSI driver is installed.
    case secretsStoreDriver
    /// Network policies are present (an engine enforces them: Calico, Cilium, VPC CNI).
    case networkPolicyEngine
}

/// A control of the shared-responsibility matrix (or of the seed's tables, chains, assumptions
/// and checklist) that checks provide evidence for.
public struct Control: Sendable, Codable, Hashable {
    public var id: String
    /// Where it comes from in the model: "Responsibility matrix", "IaaS controls: Network security", ...
    public var section: String
    public var layer: String
    public var title: String
    public var owner: ResponsibilityOwner
    public var statement: String
    /// The seed's words for this element, exactly (the catalogue test looks for them).
    public var source: String
    /// The enclosing control of a chain requirement.
    public var parent: String?
    public var assessment: Assessment
    /// Controls whose checks also evidence this one (a checklist item rests on a matrix row).
    public var evidenceFrom: [String]
    /// Particular checks that evidence this one (an assumption rests on a few checks of a row).
    public var evidenceChecks: [String]
    public var probe: ControlProbe?
    public var frameworks: [FrameworkReference]

    public init(id: String, section: String, layer: String, title: String, owner: ResponsibilityOwner, statement: String,
                source: String? = nil, parent: String? = nil, assessment: Assessment, evidenceFrom: [String] = [],
                evidenceChecks: [String] = [], probe: ControlProbe? = nil, frameworks: [FrameworkReference] = []) {
        self.id = id
        self.section = section
        self.layer = layer
        self.title = title
        self.owner = owner
        self.statement = statement
        self.source = source ?? title
        self.parent = parent
        self.assessment = assessment
        self.evidenceFrom = evidenceFrom
        self.evidenceChecks = evidenceChecks
        self.probe = probe
        self.frameworks = frameworks
    }
}

/// A requirement of a compliance framework that a check or control supports.
public struct FrameworkReference: Sendable, Codable, Hashable, CustomStringConvertible {
    public enum Framework: String, Sendable, Codable, CaseIterable {
        case cisEKS = "CIS Amazon EKS Benchmark v1.8.0"
        case pciDSS = "PCI DSS v4.0"
        case soc2 = "SOC 2 Trust Services Criteria"
        case nist800190 = "NIST SP 800-190"
        case nsaCISA = "NSA/CISA Kubernetes Hardening Guidance v1.2"
        case pssStandard = "Kubernetes Pod Security Standards"

        /// The name `--framework` takes.
        public var key: String {
            switch self {
            case .cisEKS: return "cis-eks"
            case .pciDSS: return "pci-dss"
            case .soc2: return "soc2"
            case .nist800190: return "nist-800-190"
            case .nsaCISA: return "nsa"
            case .pssStandard: return "pss"
            }
        }
    }

    public var framework: Framework
    public var requirement: String

    public init(_ framework: Framework, _ requirement: String) {
        self.framework = framework
        self.requirement = requirement
    }

    public var description: String { "\(framework.rawValue) \(requirement)" }
}
