/// The controls catalogue: every element of the AWS shared-responsibility model for containers
/// (`shared/seeds/shared-responsibility-model.md`) as a control — the responsibility matrix, the
/// four IaaS controls tables, the four integration chains with their requirements, the security
/// assumptions and operational constraints, and the implementation checklist.
///
/// Framework mappings are data, to be reviewed; each names only requirement numbers we are sure
/// of, and leaves a mapping out where unsure. Sources of the numbering:
/// - CIS Amazon EKS Benchmark v1.8.0: section 2 (control plane logging), 4.1 (RBAC and service
///   accounts), 4.2 (Pod Security Standards), 4.3 (CNI and network policies), 4.4 (secrets), 5.x
///   (managed services: ECR 5.1, KMS 5.3, cluster networking 5.4).
/// - PCI DSS v4.0: principal requirements 1–12 and their numbered sub-requirements (x.y).
/// - SOC 2: AICPA Trust Services Criteria (2017, points of focus revised 2022), common criteria CC6–CC8.
/// - NIST SP 800-190: section 5 countermeasures, numbered as the risks of section 4 (5.1 images,
///   5.2 registries, 5.3 orchestrators, 5.4 containers, 5.5 host OS).
/// - NSA/CISA Kubernetes Hardening Guidance v1.2 (2022): cited by section title (it numbers none).
public enum ControlCatalog {
    public static let podSecurity = "CUST-K8S-POD-SECURITY"
    public static let rbac = "CUST-K8S-RBAC"
    public static let networkPolicies = "CUST-K8S-NETWORK-POLICIES"
    public static let admission = "CUST-K8S-ADMISSION"
    public static let identity = "CUST-IAM-IRSA"
    public static let secrets = "CUST-DATA-SECRETS"
    public static let imageSecurity = "CUST-IMAGE-SECURITY"
    public static let containerConfiguration = "CUST-CONTAINER-CONFIGURATION"

    static func cis(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.cisEKS, $0) } }
    static func pci(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.pciDSS, $0) } }
    static func soc2(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.soc2, $0) } }
    static func nist(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.nist800190, $0) } }
    static func nsa(_ sections: String...) -> [FrameworkReference] { sections.map { FrameworkReference(.nsaCISA, $0) } }

    static let matrix = "Responsibility matrix"

    static func aws(_ id: String, _ layer: String, _ title: String, _ statement: String) -> Control {
        Control(id: id, section: matrix, layer: layer, title: title, owner: .aws, statement: statement, assessment: .inherited)
    }

    /// Where AWS documents the controls it owns.
    public static let awsAttestations = "Inherited from AWS: documented in AWS Artifact (SOC 1/2/3 reports, ISO 27001, PCI DSS "
        + "attestation of compliance), https://aws.amazon.com/artifact/ — see also https://aws.amazon.com/compliance/shared-responsibility-model/"

    public static let all: [Control] = awsControls + customerControls + iaasControls + chainControls + assumptionControls + checklistControls

    static let awsControls: [Control] = [
        aws("AWS-DATACENTER", "Physical infrastructure", "Data Center Security", "Physical access controls, environmental protections"),
        aws("AWS-HARDWARE", "Physical infrastructure", "Hardware Lifecycle", "Server provisioning, maintenance, and decommissioning"),
        aws("AWS-NETWORK", "Physical infrastructure", "Network Infrastructure", "Core networking, DDoS protection, edge locations"),
        aws("AWS-HYPERVISOR", "Physical infrastructure", "Hypervisor Security", "Host OS patching, hypervisor hardening"),
        aws("AWS-EKS-CONTROL-PLANE", "Managed service security", "Amazon EKS Control Plane", "API server security, etcd encryption, control plane patching"),
        aws("AWS-ECR", "Managed service security", "Amazon ECR", "Registry infrastructure, image storage encryption at rest"),
        aws("AWS-FARGATE", "Managed service security", "AWS Fargate", "Serverless compute isolation, kernel-level security"),
        aws("AWS-INSPECTOR", "Managed service security", "Amazon Inspector", "Vulnerability scanning service availability and accuracy"),
    ]

    static let customerControls: [Control] = [
        Control(id: imageSecurity, section: matrix, layer: "Container images and applications", title: "Image Security", owner: .customer,
                statement: "Base image selection, vulnerability scanning, SBOM generation", assessment: .manifests,
                frameworks: cis("5.1.1", "5.1.4") + pci("6.3") + soc2("CC7.1") + nist("5.1.1", "5.1.5") + nsa("Building secure container images")),
        Control(id: "CUST-APP-CODE", section: matrix, layer: "Container images and applications", title: "Application Code", owner: .customer,
                statement: "Secure coding practices, dependency management", assessment: .process,
                frameworks: pci("6.2") + soc2("CC8.1") + nist("5.4.4")),
        Control(id: containerConfiguration, section: matrix, layer: "Container images and applications", title: "Container Configuration", owner: .customer,
                statement: "Dockerfile security, non-root users, minimal attack surface", assessment: .manifests,
                frameworks: pci("2.2") + nist("5.4.3") + nsa("Non-root containers and rootless container engines", "Immutable container file systems")),
        Control(id: "CUST-IMAGE-SIGNING", section: matrix, layer: "Container images and applications", title: "Image Signing", owner: .customer,
                statement: "Digital signatures for supply chain integrity", assessment: .registry, frameworks: nist("5.1.5")),
        Control(id: podSecurity, section: matrix, layer: "Kubernetes configuration", title: "Pod Security", owner: .customer,
                statement: "SecurityContext configuration, Pod Security Admission policies", assessment: .manifests,
                frameworks: cis("4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5") + pci("2.2") + nist("5.4.3", "5.5.5") + nsa("Kubernetes Pod security")),
        Control(id: rbac, section: matrix, layer: "Kubernetes configuration", title: "RBAC", owner: .customer,
                statement: "Service account permissions, role-based access controls", assessment: .manifests,
                frameworks: cis("4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.1.6", "4.1.8") + pci("7.2") + soc2("CC6.1", "CC6.3")
                    + nist("5.3.1", "5.3.2") + nsa("Authentication and authorization")),
        Control(id: networkPolicies, section: matrix, layer: "Kubernetes configuration", title: "Network Policies", owner: .customer,
                statement: "Pod-to-pod communication rules, ingress/egress controls", assessment: .manifests,
                frameworks: cis("4.3.2") + pci("1.3") + soc2("CC6.6") + nist("5.3.3", "5.4.2") + nsa("Network separation and hardening")),
        Control(id: admission, section: matrix, layer: "Kubernetes configuration", title: "Admission Controllers", owner: .customer,
                statement: "Policy enforcement, image verification", assessment: .manifests, probe: .admissionController,
                frameworks: nsa("Pod security enforcement")),
        Control(id: "CUST-INFRA-NODE-GROUPS", section: matrix, layer: "Infrastructure configuration", title: "EKS Node Groups", owner: .customer,
                statement: "Node AMI selection, instance types, auto-scaling configuration", assessment: .aws,
                frameworks: pci("2.2", "6.3") + soc2("CC7.1") + nist("5.5.1")),
        Control(id: "CUST-INFRA-VPC", section: matrix, layer: "Infrastructure configuration", title: "VPC Design", owner: .customer,
                statement: "Subnet configuration, route tables, security groups", assessment: .aws,
                frameworks: cis("5.4.3") + pci("1.2", "1.3") + soc2("CC6.6") + nsa("Network separation and hardening")),
        Control(id: "CUST-INFRA-ENCRYPTION", section: matrix, layer: "Infrastructure configuration", title: "Encryption", owner: .customer,
                statement: "KMS key management, encryption in transit and at rest", assessment: .aws,
                frameworks: cis("5.3.1") + pci("3.5", "3.6", "4.2") + soc2("CC6.1", "CC6.7") + nsa("Encryption")),
        Control(id: "CUST-INFRA-MONITORING", section: matrix, layer: "Infrastructure configuration", title: "Monitoring", owner: .customer,
                statement: "CloudWatch configuration, GuardDuty setup, log retention", assessment: .aws,
                frameworks: cis("2.1.1") + pci("10.2", "10.5", "11.5") + soc2("CC7.2", "CC7.3") + nsa("Audit logging and threat detection")),
    ]

    static func iaas(_ id: String, _ table: String, _ control: String, _ requirement: String, _ implementation: String,
                     assessment: Assessment = .aws, evidenceFrom: [String] = [], frameworks: [FrameworkReference] = []) -> Control {
        Control(id: id, section: "IaaS controls: \(table)", layer: table, title: control, owner: .customer,
                statement: "\(requirement): \(implementation)", source: control, assessment: assessment, evidenceFrom: evidenceFrom,
                frameworks: frameworks)
    }

    static let iaasControls: [Control] = [
        iaas("IAAS-NET-VPC-ISOLATION", "Network security", "VPC Isolation", "Network segmentation between environments",
             "Private subnets for EKS nodes, separate VPCs per environment", frameworks: cis("5.4.3") + pci("1.3") + soc2("CC6.6")),
        iaas("IAAS-NET-SECURITY-GROUPS", "Network security", "Security Groups", "Pod-level network access control",
             "Security Groups for Pods (SGP) when available", frameworks: pci("1.3") + soc2("CC6.6")),
        iaas("IAAS-NET-NACLS", "Network security", "NACLs", "Subnet-level traffic filtering",
             "Default deny rules, explicit allow for required traffic", frameworks: pci("1.3")),
        iaas("IAAS-NET-VPC-ENDPOINTS", "Network security", "VPC Endpoints", "Secure AWS service access",
             "Private endpoints for ECR, S3, Secrets Manager", frameworks: soc2("CC6.6")),
        iaas("IAAS-NET-FIREWALL", "Network security", "AWS Network Firewall", "Egress traffic filtering",
             "Domain-based filtering, threat intelligence integration", frameworks: pci("1.4") + soc2("CC6.6") + nist("5.4.2")),
        Control(id: identity, section: "IaaS controls: Identity and access management", layer: "Identity and access management", title: "IAM Roles",
                owner: .customer, statement: "Pod-level AWS permissions: IRSA (IAM Roles for Service Accounts)", source: "IAM Roles",
                assessment: .manifests, frameworks: pci("7.2") + soc2("CC6.3")),
        iaas("IAAS-IAM-POLICIES", "Identity and access management", "IAM Policies", "Least privilege access",
             "Fine-grained policies per workload", frameworks: pci("7.2") + soc2("CC6.3")),
        iaas("IAAS-IAM-STS", "Identity and access management", "STS Token Exchange", "Temporary credentials",
             "OIDC provider integration with EKS", frameworks: soc2("CC6.1")),
        iaas("IAAS-IAM-CROSS-ACCOUNT", "Identity and access management", "Cross-Account Access", "Multi-account security boundaries",
             "Assume role patterns for cross-account resources", frameworks: pci("7.2") + soc2("CC6.1")),
        iaas("IAAS-DATA-KMS", "Data protection", "KMS Encryption", "Secrets and data encryption",
             "Customer-managed keys for envelope encryption", frameworks: cis("5.3.1") + pci("3.6", "3.7") + soc2("CC6.1")),
        iaas("IAAS-DATA-EBS", "Data protection", "EBS Encryption", "Node storage encryption",
             "Encrypted EBS volumes for worker nodes", frameworks: pci("3.5") + soc2("CC6.1")),
        iaas("IAAS-DATA-S3", "Data protection", "S3 Encryption", "Artifact and log encryption",
             "Server-side encryption for build artifacts", frameworks: pci("3.5") + soc2("CC6.1")),
        Control(id: secrets, section: "IaaS controls: Data protection", layer: "Data protection", title: "Secrets Manager", owner: .customer,
                statement: "Runtime secrets injection: CSI driver integration for secret mounting", source: "Secrets Manager",
                assessment: .manifests,
                frameworks: cis("4.4.1", "4.4.2") + pci("8.6") + soc2("CC6.1") + nist("5.1.4") + nsa("Secrets")),
        iaas("IAAS-MON-CLOUDTRAIL", "Monitoring and compliance", "CloudTrail", "API audit logging",
             "EKS API calls, ECR access, IAM operations", frameworks: pci("10.2") + soc2("CC7.2")),
        iaas("IAAS-MON-GUARDDUTY", "Monitoring and compliance", "GuardDuty", "Threat detection",
             "EKS-specific threat detection, runtime monitoring", frameworks: pci("11.5") + soc2("CC7.2", "CC7.3")),
        iaas("IAAS-MON-CONFIG", "Monitoring and compliance", "Config", "Configuration compliance",
             "EKS cluster configuration drift detection", frameworks: soc2("CC7.1")),
        iaas("IAAS-MON-CLOUDWATCH", "Monitoring and compliance", "CloudWatch", "Centralized logging",
             "Container logs, security events, metrics", frameworks: cis("2.1.1") + pci("10.2", "10.5") + soc2("CC7.2")),
    ]

    /// One requirement of an integration chain: how it is assessed, the controls and checks it rests on.
    struct Requirement {
        var text: String
        var assessment: Assessment
        var evidenceFrom: [String] = []
        var checks: [String] = []
        var probe: ControlProbe?

        init(_ text: String, _ assessment: Assessment, from evidenceFrom: [String] = [], checks: [String] = [], probe: ControlProbe? = nil) {
            self.text = text
            self.assessment = assessment
            self.evidenceFrom = evidenceFrom
            self.checks = checks
            self.probe = probe
        }
    }

    static func chain(_ id: String, _ name: String, _ statement: String, _ requirements: [Requirement]) -> [Control] {
        let parent = Control(id: id, section: "Integration: \(name)", layer: "Integration chains", title: "\(name) Integration",
                             owner: .customer, statement: statement, assessment: requirements.contains { $0.assessment == .manifests } ? .manifests : .aws,
                             evidenceFrom: requirements.indices.map { "\(id)-\($0 + 1)" })
        return [parent] + requirements.enumerated().map { index, requirement in
            Control(id: "\(id)-\(index + 1)", section: "Integration: \(name)", layer: "Integration chains", title: requirement.text,
                    owner: .customer, statement: requirement.text, parent: id, assessment: requirement.assessment,
                    evidenceFrom: requirement.evidenceFrom, evidenceChecks: requirement.checks, probe: requirement.probe)
        }
    }

    static let chainControls: [Control] =
        chain("CHAIN-IDENTITY", "Identity", "Pod → service account → IRSA annotation → IAM role → AWS services; EKS OIDC provider → STS token exchange → IAM role.", [
            Requirement("EKS cluster must have OIDC provider enabled", .aws, checks: ["eksOIDCProviderMissing"]),
            Requirement("IAM roles must trust the EKS OIDC provider", .aws,
                        checks: ["irsaTrustNotPinned", "iamRoleTrustsForeignOIDC", "irsaChainTrustMismatch", "irsaChainRoleNotFound"]),
            Requirement("Service accounts must be annotated with IAM role ARN", .manifests, from: [identity]),
            Requirement("Pods must use the annotated service account", .manifests, from: [identity]),
        ])
        + chain("CHAIN-NETWORK", "Network Security", "VPC → private subnets → EKS node groups → pod network; security groups for nodes and pods; network policies enforced by the CNI plugin.", [
            Requirement("VPC CNI plugin for security group assignment to pods", .aws),
            Requirement("Calico or Cilium for NetworkPolicy enforcement", .manifests, from: [networkPolicies], probe: .networkPolicyEngine),
            Requirement("Private subnets with NAT Gateway for outbound access", .aws,
                        checks: ["nodegroupPublicSubnet", "nodegroupNoEgressPath", "subnetAssignsPublicIP"]),
            Requirement("VPC endpoints for AWS service communication", .aws, checks: ["vpcEndpointsMissing"]),
        ])
        + chain("CHAIN-SECRETS", "Secrets Management", "AWS Secrets Manager → KMS encryption → Secrets Store CSI driver → pod volume mount, with IRSA granting Secrets Manager access.", [
            Requirement("Secrets Store CSI Driver installed in EKS cluster", .manifests, probe: .secretsStoreDriver),
            Requirement("IRSA permissions for Secrets Manager access", .aws, checks: ["secretsChainRoleCannotRead"]),
            Requirement("SecretProviderClass configuration for secret mapping", .manifests, from: [secrets]),
            Requirement("Pod volume mounts for secret consumption", .manifests, from: [secrets]),
        ])
        + chain("CHAIN-IMAGE", "Image Security", "CodeBuild → ECR push → Inspector scan → admission controller → pod deployment, with image signing verified at admission.", [
            Requirement("ECR repository policies for image access control", .aws, checks: ["ecrRepositoryPublic", "ecrMutableTags"]),
            Requirement("Inspector integration for vulnerability scanning", .aws, checks: ["ecrScanOnPushDisabled"]),
            Requirement("Admission controllers for policy enforcement", .manifests, probe: .admissionController),
            Requirement("Image signing and verification workflow", .registry),
        ])

    static func item(_ id: String, _ section: String, _ layer: String, _ text: String, _ assessment: Assessment,
                     evidenceFrom: [String] = [], checks: [String] = [], probe: ControlProbe? = nil, frameworks: [FrameworkReference] = []) -> Control {
        Control(id: id, section: section, layer: layer, title: text, owner: .customer, statement: text, assessment: assessment,
                evidenceFrom: evidenceFrom, evidenceChecks: checks, probe: probe, frameworks: frameworks)
    }

    static let assumptionControls: [Control] = [
        item("ASSUME-INFRA-VPC", "Security assumptions", "Infrastructure assumptions", "Private subnets are used for all EKS worker nodes", .aws, checks: ["nodegroupPublicSubnet", "subnetAssignsPublicIP"], frameworks: cis("5.4.3")),
        item("ASSUME-INFRA-ENCRYPTION", "Security assumptions", "Infrastructure assumptions", "All data at rest is encrypted using customer-managed KMS keys", .aws, evidenceFrom: ["CUST-INFRA-ENCRYPTION"], frameworks: pci("3.5")),
        item("ASSUME-INFRA-NETWORK-ACCESS", "Security assumptions", "Infrastructure assumptions", "Internet access is provided through NAT Gateway or VPC endpoints", .aws, checks: ["nodegroupNoEgressPath", "vpcEndpointsMissing"]),
        item("ASSUME-INFRA-MONITORING", "Security assumptions", "Infrastructure assumptions", "CloudTrail, GuardDuty, and Config are enabled in all regions", .aws, checks: ["cloudtrailNotMultiRegion", "cloudtrailLoggingOff", "guarddutyDetectorDisabled", "configRecorderIncomplete", "configRecorderStopped", "accountNoCloudTrail", "accountNoGuardDuty", "accountNoConfigRecorder"], frameworks: pci("10.2") + soc2("CC7.2")),
        item("ASSUME-CONTAINER-BASE-IMAGES", "Security assumptions", "Container security assumptions", "Only approved, regularly updated base images are used", .manifests, checks: ["imageRegistryNotAllowed", "imageTagLatest", "imageEndOfLifeOS", "dockerfileLatestTag"], frameworks: nist("5.1.5")),
        item("ASSUME-CONTAINER-IMAGE-SCANNING", "Security assumptions", "Container security assumptions", "All images are scanned for vulnerabilities before deployment", .aws, checks: ["ecrScanOnPushDisabled", "imageVulnerablePackage"], frameworks: pci("6.3") + nist("5.1.1")),
        item("ASSUME-CONTAINER-POD-SECURITY", "Security assumptions", "Container security assumptions", "All pods run with restrictive security contexts", .manifests, evidenceFrom: [podSecurity]),
        item("ASSUME-CONTAINER-NETWORK-POLICIES", "Security assumptions", "Container security assumptions", "Default-deny network policies are enforced", .manifests, checks: ["netpolDefaultDenyIngress", "netpolDefaultDenyEgress"], frameworks: cis("4.3.2")),
        item("OPS-COMPLIANCE", "Operational constraints", "Operational constraints", "SOC 2, PCI DSS, and regulatory frameworks must be maintained", .process),
        item("OPS-CHANGE-MANAGEMENT", "Operational constraints", "Operational constraints", "All infrastructure changes follow approved change control processes", .process, frameworks: pci("6.5") + soc2("CC8.1")),
        item("OPS-INCIDENT-RESPONSE", "Operational constraints", "Operational constraints", "Security incidents require immediate isolation and investigation", .process, frameworks: pci("12.10") + soc2("CC7.4")),
        item("OPS-AUDIT", "Operational constraints", "Operational constraints", "All security-relevant events must be logged and retained", .aws, checks: ["cloudtrailNoCloudWatchLogs", "eksControlPlaneLogging", "logGroupShortRetention", "accountNoCloudTrail"], frameworks: pci("10.2", "10.5") + soc2("CC7.2")),
    ]

    static let checklistControls: [Control] = [
        item("CHECKLIST-INFRA-1", "Implementation checklist", "Infrastructure security", "VPC configured with private subnets and appropriate routing", .aws, evidenceFrom: ["CUST-INFRA-VPC"]),
        item("CHECKLIST-INFRA-2", "Implementation checklist", "Infrastructure security", "Security groups configured with least privilege access", .aws, evidenceFrom: ["IAAS-NET-SECURITY-GROUPS"]),
        item("CHECKLIST-INFRA-3", "Implementation checklist", "Infrastructure security", "KMS keys created with appropriate key policies", .aws, evidenceFrom: ["IAAS-DATA-KMS"]),
        item("CHECKLIST-INFRA-4", "Implementation checklist", "Infrastructure security", "VPC endpoints configured for AWS services", .aws, evidenceFrom: ["IAAS-NET-VPC-ENDPOINTS"]),
        item("CHECKLIST-INFRA-5", "Implementation checklist", "Infrastructure security", "CloudTrail enabled with log file validation", .aws, evidenceFrom: ["IAAS-MON-CLOUDTRAIL"]),
        item("CHECKLIST-CONTAINER-1", "Implementation checklist", "Container security", "EKS cluster configured with private endpoint access", .aws, frameworks: cis("5.4.2")),
        item("CHECKLIST-CONTAINER-2", "Implementation checklist", "Container security", "Pod Security Admission enabled in restricted mode", .manifests, probe: .podSecurityAdmissionRestricted),
        item("CHECKLIST-CONTAINER-3", "Implementation checklist", "Container security", "IRSA configured for workload identity", .manifests, evidenceFrom: [identity]),
        item("CHECKLIST-CONTAINER-4", "Implementation checklist", "Container security", "Secrets Store CSI Driver installed and configured", .manifests, evidenceFrom: [secrets], probe: .secretsStoreDriver),
        item("CHECKLIST-CONTAINER-5", "Implementation checklist", "Container security", "Network policies implemented for pod isolation", .manifests, checks: ["netpolUnselectedWorkload", "netpolDefaultDenyIngress"]),
        item("CHECKLIST-MONITORING-1", "Implementation checklist", "Monitoring and compliance", "GuardDuty enabled for EKS threat detection", .aws, evidenceFrom: ["IAAS-MON-GUARDDUTY"]),
        item("CHECKLIST-MONITORING-2", "Implementation checklist", "Monitoring and compliance", "CloudWatch log groups configured for container logs", .aws, evidenceFrom: ["IAAS-MON-CLOUDWATCH"]),
        item("CHECKLIST-MONITORING-3", "Implementation checklist", "Monitoring and compliance", "Config rules deployed for compliance monitoring", .aws, evidenceFrom: ["IAAS-MON-CONFIG"]),
        item("CHECKLIST-MONITORING-4", "Implementation checklist", "Monitoring and compliance", "Security incident response procedures documented", .process, frameworks: pci("12.10") + soc2("CC7.4")),
        item("CHECKLIST-MONITORING-5", "Implementation checklist", "Monitoring and compliance", "Regular security assessments scheduled", .process, frameworks: pci("11.3") + soc2("CC4.1")),
    ]

    /// The controls known to this build, by ID.
    public static let controls: [String: Control] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
}
