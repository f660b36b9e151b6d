variable "name" {
  description = "Name of the state machine; prefix of its role and log group."
  type        = string
}

variable "partition" {
  description = "AWS partition."
  type        = string
}

variable "region" {
  description = "AWS region of the state machine (and of the QuickSight identity region it calls)."
  type        = string
}

variable "account_id" {
  description = "AWS account of the state machine."
  type        = string
}

variable "bucket_name" {
  description = "Bucket with the CSVs and reports."
  type        = string
}

variable "bucket_arn" {
  description = "ARN of the bucket."
  type        = string
}

variable "input_prefix" {
  description = "Prefix of the uploaded CSVs."
  type        = string
}

variable "report_prefix" {
  description = "Prefix of the reports."
  type        = string
}

variable "archive_prefix" {
  description = "Prefix of the archived CSVs."
  type        = string
}

variable "table_name_prefix" {
  description = "Name prefix of the per-execution DynamoDB log tables."
  type        = string
}

variable "export_function_arn" {
  description = "ARN of the export function."
  type        = string
}

variable "quicksight_account_id" {
  description = "Account that owns the QuickSight subscription."
  type        = string
}

variable "quicksight_namespace" {
  description = "QuickSight namespace."
  type        = string
}

variable "user_name_prefix" {
  description = "Prefix of the QuickSight user names."
  type        = string
}

variable "deletable_roles" {
  description = "QuickSight roles whose users may be deleted."
  type        = list(string)
}

variable "max_concurrency" {
  description = "MaxConcurrency of the Distributed Map."
  type        = number
}

variable "retry_interval_seconds" {
  description = "First retry interval."
  type        = number
}

variable "retry_backoff_rate" {
  description = "Retry backoff rate."
  type        = number
}

variable "retry_max_delay_seconds" {
  description = "Cap on one retry wait."
  type        = number
}

variable "retry_max_attempts" {
  description = "Retries of one call."
  type        = number
}

variable "table_delete_retry_interval_seconds" {
  description = "Wait between attempts to delete a table in use."
  type        = number
}

variable "table_delete_max_attempts" {
  description = "Attempts to delete a table in use."
  type        = number
}

variable "table_poll_seconds" {
  description = "Seconds between checks of a new table."
  type        = number
}

variable "sns_topic_arn" {
  description = "Topic for the summary; empty string for none."
  type        = string
  default     = ""
  nullable    = false
}

variable "kms_key_arn" {
  description = "Customer managed KMS key of the bucket and log group; null when none."
  type        = string
  default     = null
}

variable "log_level" {
  description = "State machine log level."
  type        = string
}

variable "log_include_execution_data" {
  description = "Include execution data in the logs."
  type        = bool
}

variable "log_retention_days" {
  description = "Retention of the log group."
  type        = number
}

variable "permissions_boundary" {
  description = "Permissions boundary of the role."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags."
  type        = map(string)
  default     = {}
}
