locals {
  state_machine_arn = "arn:${var.partition}:states:${var.region}:${var.account_id}:stateMachine:${var.name}"

  # Exactly the variables of definitions/deprovision.asl.json.tftpl (a test keeps them in sync).
  template_vars = {
    archive_prefix                      = var.archive_prefix
    bucket_name                         = var.bucket_name
    deletable_roles_json                = jsonencode(var.deletable_roles)
    export_function_arn                 = var.export_function_arn
    input_prefix                        = var.input_prefix
    max_concurrency                     = var.max_concurrency
    quicksight_account_id               = var.quicksight_account_id
    quicksight_namespace                = var.quicksight_namespace
    report_prefix                       = var.report_prefix
    retry_backoff_rate                  = var.retry_backoff_rate
    retry_interval_seconds              = var.retry_interval_seconds
    retry_max_attempts                  = var.retry_max_attempts
    retry_max_delay_seconds             = var.retry_max_delay_seconds
    sns_topic_arn                       = var.sns_topic_arn
    table_delete_max_attempts           = var.table_delete_max_attempts
    table_delete_retry_interval_seconds = var.table_delete_retry_interval_seconds
    table_name_prefix                   = var.table_name_prefix
    table_poll_seconds                  = var.table_poll_seconds
    user_name_prefix                    = var.user_name_prefix
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/vendedlogs/states/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:Execution data (input, output, state data) is excluded from the logs by default because it carries the e-mail addresses of the users being deleted; the report in S3 is the record. Set log_include_execution_data = true to include it.
  name       = var.name
  role_arn   = aws_iam_role.this.arn
  type       = "STANDARD"
  definition = templatefile("${path.module}/../../definitions/deprovision.asl.json.tftpl", local.template_vars)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.this.arn}:*"
    include_execution_data = var.log_include_execution_data
    level                  = var.log_level
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.this]
}
