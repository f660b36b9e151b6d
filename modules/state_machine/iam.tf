# The execution role allows exactly what the ASL uses (tests/test_terraform_contract.py checks it
# against the rendered definition): keep one statement per ASL feature.

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "StepFunctionsAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["states.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [var.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.state_machine_arn]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = "${var.name}-state-machine"
  description          = "Execution role of the ${var.name} state machine (QuickSight user deprovisioning)."
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  # "Read target CSV" and "Export report": lambda:invoke of the export function.
  statement {
    sid       = "InvokeExportFunction"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.export_function_arn, "${var.export_function_arn}:*"]
  }

  # "Create log table", "Check log table", "Record result", "Delete log table".
  statement {
    sid       = "ManageLogTables"
    actions   = ["dynamodb:CreateTable", "dynamodb:DescribeTable", "dynamodb:PutItem", "dynamodb:DeleteTable"]
    resources = ["arn:${var.partition}:dynamodb:${var.region}:${var.account_id}:table/${var.table_name_prefix}*"]
  }

  # "Check user exists" and "Delete user": only users of the namespace.
  statement {
    sid       = "DescribeAndDeleteUsers"
    actions   = ["quicksight:DescribeUser", "quicksight:DeleteUser"]
    resources = ["arn:${var.partition}:quicksight:${var.region}:${var.quicksight_account_id}:user/${var.quicksight_namespace}/*"]
  }

  # The Distributed Map's ItemReader reads reports/<execution>/targets.csv.
  statement {
    sid       = "ReadTargets"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/${var.report_prefix}*"]
  }

  # "Archive CSV" (copyObject) and "Delete original CSV" (deleteObject).
  statement {
    sid       = "ReadAndDeleteUploadedCsv"
    actions   = ["s3:GetObject", "s3:DeleteObject"]
    resources = ["${var.bucket_arn}/${var.input_prefix}*"]
  }

  statement {
    sid       = "ArchiveCsv"
    actions   = ["s3:PutObject"]
    resources = ["${var.bucket_arn}/${var.archive_prefix}*"]
  }

  # The Distributed Map runs one child execution per CSV row on this state machine.
  statement {
    sid       = "StartChildExecutions"
    actions   = ["states:StartExecution"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "ManageChildExecutions"
    actions   = ["states:DescribeExecution", "states:StopExecution"]
    resources = ["arn:${var.partition}:states:${var.region}:${var.account_id}:execution:${var.name}/*"]
  }

  # "Send notification", only when a topic is set.
  dynamic "statement" {
    for_each = var.sns_topic_arn == "" ? [] : [var.sns_topic_arn]

    content {
      sid       = "PublishSummary"
      actions   = ["sns:Publish"]
      resources = [statement.value]
    }
  }

  # Objects are encrypted with the customer managed key, when one is set.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "UseKmsKey"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }

  # Log delivery to CloudWatch Logs: these actions do not support resource-level permissions.
  statement {
    sid = "DeliverLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    resources = ["*"]
  }

  # X-Ray tracing: these actions do not support resource-level permissions.
  statement {
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "state-machine"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}
