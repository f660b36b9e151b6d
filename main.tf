data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.region

  quicksight_account_id = var.quicksight_account_id == null ? local.account_id : var.quicksight_account_id

  # The bucket layout is fixed: the export function, the ASL and every IAM policy rely on it.
  input_prefix   = "input/"
  report_prefix  = "reports/"
  archive_prefix = "processed/"

  # One DynamoDB log table per execution: <name>-log-<execution name>.
  table_name_prefix    = "${var.name}-log-"
  export_function_name = "${var.name}-export"

  new_bucket_name = var.bucket_name == null ? "${var.name}-${local.account_id}-${local.region}" : var.bucket_name
  bucket_name     = var.create_bucket ? module.bucket[0].bucket_name : data.aws_s3_bucket.existing[0].id
  bucket_arn      = "arn:${local.partition}:s3:::${local.bucket_name}"

  state_machine_arn = "arn:${local.partition}:states:${local.region}:${local.account_id}:stateMachine:${var.name}"
  console_host      = lookup({ "aws-cn" = "console.amazonaws.cn", "aws-us-gov" = "console.amazonaws-us-gov.com" }, local.partition, "console.aws.amazon.com")
}

################################################################################
# Bucket: CSVs under input/, reports under reports/, archived CSVs under processed/
################################################################################

module "bucket" {
  source = "./modules/bucket"
  count  = var.create_bucket ? 1 : 0

  bucket_name                        = local.new_bucket_name
  kms_key_arn                        = var.kms_key_arn
  report_prefix                      = local.report_prefix
  archive_prefix                     = local.archive_prefix
  report_expiration_days             = var.report_expiration_days
  archive_expiration_days            = var.archive_expiration_days
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  access_log_bucket_name             = var.access_log_bucket_name
  access_log_prefix                  = "${var.name}/"
  eventbridge_notifications          = var.enable_eventbridge_trigger
  tags                               = var.tags
}

data "aws_s3_bucket" "existing" {
  count  = var.create_bucket ? 0 : 1
  bucket = var.bucket_name == null ? "" : var.bucket_name

  lifecycle {
    precondition {
      condition     = var.bucket_name != null
      error_message = "bucket_name is required when create_bucket = false: give the name of the existing bucket."
    }
  }
}

################################################################################
# Export function: "prepare" (check the CSV) and "export" (write the report)
################################################################################

module "export_function" {
  source = "./modules/export_function"

  function_name        = local.export_function_name
  source_dir           = "${path.module}/lambda_src"
  handler              = "quicksight_deprovision.handler.handler"
  runtime              = var.export_function_runtime
  memory_size          = var.export_function_memory_size
  timeout              = var.export_function_timeout
  reserved_concurrency = var.export_function_reserved_concurrency
  log_level            = var.export_function_log_level
  log_retention_days   = var.log_retention_days
  bucket_arn           = local.bucket_arn
  input_prefix         = local.input_prefix
  report_prefix        = local.report_prefix
  table_name_prefix    = local.table_name_prefix
  kms_key_arn          = var.kms_key_arn
  permissions_boundary = var.permissions_boundary
  partition            = local.partition
  region               = local.region
  account_id           = local.account_id
  tags                 = var.tags
}

################################################################################
# State machine
################################################################################

module "state_machine" {
  source = "./modules/state_machine"

  name                                = var.name
  partition                           = local.partition
  region                              = local.region
  account_id                          = local.account_id
  bucket_name                         = local.bucket_name
  bucket_arn                          = local.bucket_arn
  input_prefix                        = local.input_prefix
  report_prefix                       = local.report_prefix
  archive_prefix                      = local.archive_prefix
  table_name_prefix                   = local.table_name_prefix
  export_function_arn                 = module.export_function.function_arn
  quicksight_account_id               = local.quicksight_account_id
  quicksight_namespace                = var.quicksight_namespace
  user_name_prefix                    = var.user_name_prefix
  deletable_roles                     = var.deletable_roles
  max_concurrency                     = var.max_concurrency
  retry_interval_seconds              = var.retry_interval_seconds
  retry_backoff_rate                  = var.retry_backoff_rate
  retry_max_delay_seconds             = var.retry_max_delay_seconds
  retry_max_attempts                  = var.retry_max_attempts
  table_delete_retry_interval_seconds = var.table_delete_retry_interval_seconds
  table_delete_max_attempts           = var.table_delete_max_attempts
  table_poll_seconds                  = var.table_poll_seconds
  sns_topic_arn                       = var.sns_topic_arn == null ? "" : var.sns_topic_arn
  kms_key_arn                         = var.kms_key_arn
  log_level                           = var.log_level
  log_include_execution_data          = var.log_include_execution_data
  log_retention_days                  = var.log_retention_days
  permissions_boundary                = var.permissions_boundary
  tags                                = var.tags
}

################################################################################
# Optional trigger: a CSV created under input/ starts an execution
################################################################################

module "trigger" {
  source = "./modules/trigger"
  count  = var.enable_eventbridge_trigger ? 1 : 0

  name                 = "${var.name}-csv-uploaded"
  bucket_name          = local.bucket_name
  input_prefix         = local.input_prefix
  dry_run              = var.eventbridge_trigger_dry_run
  state_machine_arn    = module.state_machine.state_machine_arn
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

################################################################################
# Operator policy (output only): upload CSVs, run and watch executions, read reports
################################################################################

data "aws_iam_policy_document" "operator" {
  statement {
    sid       = "UploadCsv"
    actions   = ["s3:PutObject"]
    resources = ["${local.bucket_arn}/${local.input_prefix}*"]
  }

  statement {
    sid       = "ReadReports"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/${local.report_prefix}*"]
  }

  statement {
    sid       = "BrowseBucket"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["", local.input_prefix, "${local.input_prefix}*", local.report_prefix, "${local.report_prefix}*"]
    }
  }

  statement {
    sid       = "StartExecutions"
    actions   = ["states:StartExecution", "states:DescribeStateMachine", "states:ListExecutions"]
    resources = [local.state_machine_arn]
  }

  statement {
    sid       = "WatchExecutions"
    actions   = ["states:DescribeExecution", "states:GetExecutionHistory"]
    resources = ["arn:${local.partition}:states:${local.region}:${local.account_id}:execution:${var.name}:*"]
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "UseBucketKey"
      actions   = ["kms:GenerateDataKey", "kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}
