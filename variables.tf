################################################################################
# Naming and placement
################################################################################

variable "name" {
  description = "Name of this deployment. Used for the state machine, the export function (<name>-export), the IAM roles, the log groups and the per-execution DynamoDB log tables (<name>-log-<execution>)."
  type        = string
  default     = "quicksight-deprovision"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$", var.name))
    error_message = "The name must be 2-32 characters of lowercase letters, digits and hyphens, starting and ending with a letter or digit (it is part of the bucket name and of IAM role names)."
  }
}

variable "tags" {
  description = "Tags added to every resource the module creates."
  type        = map(string)
  default     = {}
}

################################################################################
# Bucket
################################################################################

variable "create_bucket" {
  description = "Create the bucket for CSVs and reports. Set to false and give bucket_name to use a bucket you already have (the module then leaves its configuration untouched)."
  type        = bool
  default     = true
}

variable "bucket_name" {
  description = "Name of the bucket. With create_bucket = true it defaults to <name>-<account id>-<region>; with create_bucket = false it is required and must name an existing bucket in the same region."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "The bucket_name must be a valid S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)."
  }
}

variable "kms_key_arn" {
  description = "ARN of a customer managed KMS key for the bucket (SSE-KMS), the log groups and the export function's environment. Null (default) uses SSE-S3 and AWS managed keys. The key policy must allow CloudWatch Logs (logs.<region>.amazonaws.com) to use it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "The kms_key_arn must be the ARN of a KMS key (arn:aws:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "report_expiration_days" {
  description = "Days after which reports (reports/<execution>/) are deleted from a bucket the module creates."
  type        = number
  default     = 400

  validation {
    condition     = var.report_expiration_days >= 1 && floor(var.report_expiration_days) == var.report_expiration_days
    error_message = "The report_expiration_days must be a whole number of days, at least 1."
  }
}

variable "archive_expiration_days" {
  description = "Days after which archived CSVs (processed/<execution>/) are deleted from a bucket the module creates."
  type        = number
  default     = 400

  validation {
    condition     = var.archive_expiration_days >= 1 && floor(var.archive_expiration_days) == var.archive_expiration_days
    error_message = "The archive_expiration_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which noncurrent object versions are deleted from a bucket the module creates."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "The noncurrent_version_expiration_days must be a whole number of days, at least 1."
  }
}

variable "access_log_bucket_name" {
  description = "Bucket that receives S3 server access logs of a bucket the module creates (prefix <name>/). Null disables access logging."
  type        = string
  default     = null
}

################################################################################
# QuickSight
################################################################################

variable "quicksight_account_id" {
  description = "AWS account that owns the QuickSight subscription. Null means the account the module is deployed in."
  type        = string
  default     = null

  validation {
    condition     = var.quicksight_account_id == null || can(regex("^[0-9]{12}$", var.quicksight_account_id))
    error_message = "The quicksight_account_id must be a 12-digit AWS account id."
  }
}

variable "quicksight_namespace" {
  description = "QuickSight namespace of the users to delete."
  type        = string
  default     = "default"

  validation {
    condition     = can(regex("^[a-zA-Z0-9._-]{1,64}$", var.quicksight_namespace))
    error_message = "The quicksight_namespace must be 1-64 letters, digits, dots, underscores or hyphens."
  }
}

variable "user_name_prefix" {
  description = "Prefix put before each e-mail address to build the QuickSight user name. For IAM Identity Center / IAM-federated users it is \"<RoleName>/\", for example \"AWSReservedSSO_QuickSightReader_0123abcd/\"."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^[\\x20-\\x7E]{0,128}$", var.user_name_prefix)) && !can(regex("[\"\\\\]", var.user_name_prefix))
    error_message = "The user_name_prefix must be at most 128 printable ASCII characters without double quotes or backslashes."
  }
}

variable "deletable_roles" {
  description = "QuickSight roles whose users may be deleted. DeleteUser leaves a user's dashboards and analyses without an owner, so only READER is deletable by default; users with any other role are reported as PROTECTED."
  type        = list(string)
  default     = ["READER"]

  validation {
    condition     = length(var.deletable_roles) > 0 && alltrue([for r in var.deletable_roles : contains(["READER", "AUTHOR", "ADMIN", "READER_PRO", "AUTHOR_PRO", "ADMIN_PRO", "RESTRICTED_READER", "RESTRICTED_AUTHOR"], r)])
    error_message = "The deletable_roles must be a non-empty subset of READER, AUTHOR, ADMIN, READER_PRO, AUTHOR_PRO, ADMIN_PRO, RESTRICTED_READER, RESTRICTED_AUTHOR."
  }
}

################################################################################
# Throughput and retries
################################################################################

variable "max_concurrency" {
  description = "How many CSV rows are processed in parallel (MaxConcurrency of the Distributed Map). Around 100 parallel calls throttle the QuickSight and Lambda APIs."
  type        = number
  default     = 20

  validation {
    condition     = var.max_concurrency >= 1 && var.max_concurrency <= 50 && floor(var.max_concurrency) == var.max_concurrency
    error_message = "The max_concurrency must be a whole number between 1 and 50."
  }
}

variable "retry_interval_seconds" {
  description = "First retry interval, in seconds, for throttling and transient errors of every AWS call."
  type        = number
  default     = 5

  validation {
    condition     = var.retry_interval_seconds >= 1 && var.retry_interval_seconds <= 300 && floor(var.retry_interval_seconds) == var.retry_interval_seconds
    error_message = "The retry_interval_seconds must be a whole number between 1 and 300."
  }
}

variable "retry_backoff_rate" {
  description = "Multiplier of the retry interval after each attempt (exponential backoff, with full jitter)."
  type        = number
  default     = 1.5

  validation {
    condition     = var.retry_backoff_rate >= 1 && var.retry_backoff_rate <= 10
    error_message = "The retry_backoff_rate must be between 1 and 10."
  }
}

variable "retry_max_delay_seconds" {
  description = "Cap on a single retry wait, in seconds (MaxDelaySeconds). Without a cap, backoff reached days between attempts."
  type        = number
  default     = 30

  validation {
    condition     = var.retry_max_delay_seconds >= 1 && var.retry_max_delay_seconds <= 3600 && floor(var.retry_max_delay_seconds) == var.retry_max_delay_seconds
    error_message = "The retry_max_delay_seconds must be a whole number between 1 and 3600."
  }
}

variable "retry_max_attempts" {
  description = "Retries of one AWS call before its row is reported as FAILED."
  type        = number
  default     = 25

  validation {
    condition     = var.retry_max_attempts >= 0 && var.retry_max_attempts <= 99 && floor(var.retry_max_attempts) == var.retry_max_attempts
    error_message = "The retry_max_attempts must be a whole number between 0 and 99."
  }
}

variable "table_delete_retry_interval_seconds" {
  description = "Wait, in seconds, between attempts to delete the log table while it is still CREATING or UPDATING (ResourceInUseException)."
  type        = number
  default     = 30

  validation {
    condition     = var.table_delete_retry_interval_seconds >= 1 && var.table_delete_retry_interval_seconds <= 300 && floor(var.table_delete_retry_interval_seconds) == var.table_delete_retry_interval_seconds
    error_message = "The table_delete_retry_interval_seconds must be a whole number between 1 and 300."
  }
}

variable "table_delete_max_attempts" {
  description = "Attempts to delete the log table while it is in use before the execution fails (the table is then kept)."
  type        = number
  default     = 10

  validation {
    condition     = var.table_delete_max_attempts >= 1 && var.table_delete_max_attempts <= 99 && floor(var.table_delete_max_attempts) == var.table_delete_max_attempts
    error_message = "The table_delete_max_attempts must be a whole number between 1 and 99."
  }
}

variable "table_poll_seconds" {
  description = "Seconds between checks of a new log table until it is ACTIVE."
  type        = number
  default     = 5

  validation {
    condition     = var.table_poll_seconds >= 1 && var.table_poll_seconds <= 60 && floor(var.table_poll_seconds) == var.table_poll_seconds
    error_message = "The table_poll_seconds must be a whole number between 1 and 60."
  }
}

################################################################################
# Logging, notifications, triggers
################################################################################

variable "log_retention_days" {
  description = "Retention of the state machine's and the export function's log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "The log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_level" {
  description = "State machine log level (ALL, ERROR, FATAL or OFF)."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["ALL", "ERROR", "FATAL", "OFF"], var.log_level)
    error_message = "The log_level must be ALL, ERROR, FATAL or OFF."
  }
}

variable "log_include_execution_data" {
  description = "Include execution input, output and state data in the state machine logs. Off by default: it carries e-mail addresses."
  type        = bool
  default     = false
}

variable "sns_topic_arn" {
  description = "SNS topic that receives the run summary after each successful execution. Null sends nothing (and grants no sns:Publish)."
  type        = string
  default     = null

  validation {
    condition     = var.sns_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\\.fifo)?$", var.sns_topic_arn))
    error_message = "The sns_topic_arn must be the ARN of an SNS topic."
  }
}

variable "enable_eventbridge_trigger" {
  description = "Start an execution whenever a .csv object is created under input/. For a bucket the module does not create, turn on its EventBridge notifications yourself."
  type        = bool
  default     = false
}

variable "eventbridge_trigger_dry_run" {
  description = "With the trigger on, start dry runs ({\"csvKey\": \"<key>\", \"dryRun\": true}) so that an upload only produces a report to review; set false to delete users on upload."
  type        = bool
  default     = true
}

variable "permissions_boundary" {
  description = "ARN of the IAM permissions boundary set on every role the module creates."
  type        = string
  default     = null
}

################################################################################
# Export function
################################################################################

variable "export_function_runtime" {
  description = "Python runtime of the export function."
  type        = string
  default     = "python3.13"

  validation {
    condition     = can(regex("^python3\\.1[2-9]$", var.export_function_runtime))
    error_message = "The export_function_runtime must be python3.12 or newer."
  }
}

variable "export_function_memory_size" {
  description = "Memory (MB) of the export function. It holds one run's rows in memory."
  type        = number
  default     = 512

  validation {
    condition     = var.export_function_memory_size >= 128 && var.export_function_memory_size <= 10240
    error_message = "The export_function_memory_size must be between 128 and 10240."
  }
}

variable "export_function_timeout" {
  description = "Timeout (seconds) of the export function."
  type        = number
  default     = 300

  validation {
    condition     = var.export_function_timeout >= 10 && var.export_function_timeout <= 900
    error_message = "The export_function_timeout must be between 10 and 900."
  }
}

variable "export_function_reserved_concurrency" {
  description = "Reserved concurrent executions of the export function (it runs twice per execution). -1 leaves it unreserved."
  type        = number
  default     = 5

  validation {
    condition     = var.export_function_reserved_concurrency >= -1
    error_message = "The export_function_reserved_concurrency must be -1 or more."
  }
}

variable "export_function_log_level" {
  description = "Application log level of the export function (JSON logs)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.export_function_log_level)
    error_message = "The export_function_log_level must be DEBUG, INFO, WARN, ERROR or FATAL."
  }
}
