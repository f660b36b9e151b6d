variable "function_name" {
  description = "Name of the function, its role and its log group."
  type        = string
}

variable "source_dir" {
  description = "Directory zipped as the function's code (the module's lambda_src)."
  type        = string
}

variable "handler" {
  description = "Handler of the function."
  type        = string
}

variable "runtime" {
  description = "Python runtime."
  type        = string
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
}

variable "reserved_concurrency" {
  description = "Reserved concurrent executions (-1: unreserved)."
  type        = number
}

variable "log_level" {
  description = "Application log level (Lambda JSON logs)."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the log group."
  type        = number
}

variable "bucket_arn" {
  description = "ARN of the bucket with the CSVs and reports."
  type        = string
}

variable "input_prefix" {
  description = "Prefix of the uploaded CSVs (read)."
  type        = string
}

variable "report_prefix" {
  description = "Prefix of the reports (read and written)."
  type        = string
}

variable "table_name_prefix" {
  description = "Name prefix of the per-execution DynamoDB log tables (scanned)."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key; null when none."
  type        = string
  default     = null
}

variable "permissions_boundary" {
  description = "Permissions boundary of the role."
  type        = string
  default     = null
}

variable "partition" {
  description = "AWS partition."
  type        = string
}

variable "region" {
  description = "AWS region."
  type        = string
}

variable "account_id" {
  description = "AWS account id."
  type        = string
}

variable "tags" {
  description = "Tags."
  type        = map(string)
  default     = {}
}
