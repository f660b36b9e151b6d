locals {
  table_arn_pattern = "arn:${var.partition}:dynamodb:${var.region}:${var.account_id}:table/${var.table_name_prefix}*"
  # The export function's JSON log level names are the Lambda ones; the handler's logger takes Python's.
  python_log_level = var.log_level == "FATAL" ? "CRITICAL" : var.log_level
}

data "archive_file" "this" {
  type        = "zip"
  source_dir  = var.source_dir
  output_path = "${path.root}/.terraform/tmp/${var.function_name}.zip"
  excludes    = ["**/__pycache__/**", "**/*.pyc"] # glob patterns: archive provider >= 2.5
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "LambdaAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  description          = "Export function of ${var.function_name}: reads the target CSV and the run's log table, writes the report."
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "ReadCsvAndTargets"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.input_prefix}*", "${var.bucket_arn}/${var.report_prefix}*"]
  }

  statement {
    sid       = "WriteReports"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.report_prefix}*"]
  }

  statement {
    sid       = "ScanLogTables"
    actions   = ["dynamodb:Scan"]
    resources = [local.table_arn_pattern]
  }

  statement {
    sid       = "WriteLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
  }

  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "UseKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "export-function"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:The function is invoked synchronously by the state machine, which retries and records failures; a dead-letter queue would never receive anything.
  #checkov:skip=CKV_AWS_117:The function only calls S3, DynamoDB and CloudWatch APIs; a VPC would add NAT or endpoints and no protection.
  #checkov:skip=CKV_AWS_272:Code signing needs a signing profile per account; the code is the module's own lambda_src, pinned by the module version.
  function_name                  = var.function_name
  description                    = "QuickSight deprovisioning: checks the target CSV (prepare) and writes the report (export)."
  role                           = aws_iam_role.this.arn
  handler                        = var.handler
  runtime                        = var.runtime
  architectures                  = ["arm64"]
  memory_size                    = var.memory_size
  timeout                        = var.timeout
  reserved_concurrent_executions = var.reserved_concurrency
  filename                       = data.archive_file.this.output_path
  source_code_hash               = data.archive_file.this.output_base64sha256
  kms_key_arn                    = var.kms_key_arn

  environment {
    variables = {
      LOG_LEVEL = local.python_log_level
    }
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.log_level
    system_log_level      = "WARN"
  }

  tracing_config {
    mode = "Active"
  }

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}
