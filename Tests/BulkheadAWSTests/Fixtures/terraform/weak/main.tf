# A deliberately weak EKS stack: every resource below carries at least one finding.
variable "cluster_version" {
  type    = string
  default = "1.24"
}

variable "open_cidrs" {
  default = ["0.0.0.0/0"]
}

locals {
  name = "legacy-${var.cluster_version}"
  ssh_rules = {
    ssh = { port = 22 }
    rdp = { port = 3389 }
  }
}

resource "aws_eks_cluster" "legacy" {
  name     = local.name
  role_arn = aws_iam_role.cluster.arn
  version  = var.cluster_version

  vpc_config {
    subnet_ids          = [aws_subnet.public.id]
    public_access_cidrs = var.open_cidrs
  }
  enabled_cluster_log_types = ["api"]
}

resource "aws_iam_role" "cluster" {
  name               = "legacy-cluster"
  assume_role_policy = data.aws_iam_policy_document.anyone.json
}

data "aws_iam_policy_document" "anyone" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
  }
}

resource "aws_iam_role" "nodes" {
  name = "legacy-nodes"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "nodes_admin" {
  role       = aws_iam_role.nodes.name
  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
}

resource "aws_eks_node_group" "legacy" {
  cluster_name  = aws_eks_cluster.legacy.name
  node_role_arn = aws_iam_role.nodes.arn
  subnet_ids    = [aws_subnet.public.id]
  remote_access {
    ec2_ssh_key = "legacy-ssh"
  }
  scaling_config {
    desired_size = 2
    max_size     = 2
    min_size     = 1
  }
}

resource "aws_vpc" "legacy" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.legacy.id
  cidr_block              = "10.0.1.0/24"
  map_public_ip_on_launch = true
}

resource "aws_security_group" "nodes" {
  name   = "legacy-nodes"
  vpc_id = aws_vpc.legacy.id
  dynamic "ingress" {
    for_each = local.ssh_rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = var.open_cidrs
    }
  }
}

resource "aws_kms_key" "data" {
  description = "no rotation"
  policy      = <<POLICY
{
  "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}]
}
POLICY
}

resource "aws_ecr_repository" "app" {
  name = "legacy/app"
}

resource "aws_ecr_repository_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = ["ecr:BatchGetImage"] }]
  })
}

resource "aws_s3_bucket" "artifacts" {
  bucket = "legacy-artifacts"
}

resource "aws_cloudtrail" "trail" {
  name           = "legacy"
  s3_bucket_name = aws_s3_bucket.artifacts.id
  enable_logging = false
}

resource "aws_guardduty_detector" "main" {
  enable = true
}

resource "aws_secretsmanager_secret" "db" {
  name = "legacy/db"
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/legacy/app"
  retention_in_days = 7
}

resource "aws_launch_template" "nodes" {
  name = "legacy"
  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size = 50
    }
  }
}

module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
