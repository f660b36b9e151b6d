variable "bucket_name" {
  description = "Name of the bucket to create."
  type        = string
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for SSE-KMS. Null uses SSE-S3."
  type        = string
  default     = null
}

variable "report_prefix" {
  description = "Prefix of the reports (expired after report_expiration_days)."
  type        = string
}

variable "archive_prefix" {
  description = "Prefix of the archived CSVs (expired after archive_expiration_days)."
  type        = string
}

variable "report_expiration_days" {
  description = "Days after which reports are deleted."
  type        = number
}

variable "archive_expiration_days" {
  description = "Days after which archived CSVs are deleted."
  type        = number
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted."
  type        = number
}

variable "access_log_bucket_name" {
  description = "Bucket receiving S3 server access logs; null disables access logging."
  type        = string
  default     = null
}

variable "access_log_prefix" {
  description = "Prefix of the access logs in access_log_bucket_name."
  type        = string
  default     = ""
}

variable "eventbridge_notifications" {
  description = "Send the bucket's events to EventBridge."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags of the bucket."
  type        = map(string)
  default     = {}
}
