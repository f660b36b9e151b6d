variable "name" {
  description = "Name of the EventBridge rule and its role."
  type        = string
}

variable "bucket_name" {
  description = "Bucket whose uploads start executions (its EventBridge notifications must be on)."
  type        = string
}

variable "input_prefix" {
  description = "Prefix of the CSVs that start an execution."
  type        = string
}

variable "dry_run" {
  description = "Start dry runs (the default): an upload produces a report to review, and an operator starts the real run."
  type        = bool
  default     = true
}

variable "state_machine_arn" {
  description = "State machine to start."
  type        = string
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
