provider "aws" {
  region = "ap-northeast-1"
}

variable "bucket_name" {
  description = "Existing bucket for the CSVs and reports (same region as the state machine)."
  type        = string
}

variable "sso_reader_role_name" {
  description = "IAM role name that prefixes federated QuickSight user names, e.g. AWSReservedSSO_QuickSightReader_0123abcd."
  type        = string
}

module "quicksight_deprovision" {
  source = "../.."

  create_bucket = false
  bucket_name   = var.bucket_name

  user_name_prefix = "${var.sso_reader_role_name}/"
  max_concurrency  = 10
  log_level        = "ALL"

  # Start a (real) run as soon as a CSV lands under input/. EventBridge notifications must be
  # turned on for an existing bucket: the module does not change its configuration.
  enable_eventbridge_trigger = true
}

output "csv_upload_uri" {
  description = "Where to upload the target CSV."
  value       = module.quicksight_deprovision.csv_upload_uri
}

output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = module.quicksight_deprovision.state_machine_arn
}
