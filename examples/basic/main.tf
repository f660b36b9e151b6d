provider "aws" {
  region = "us-east-1" # the QuickSight identity region of the account
}

module "quicksight_deprovision" {
  source = "../.."

  name = "quicksight-deprovision"

  tags = {
    Owner = "it-platform"
  }
}

output "csv_upload_uri" {
  description = "Where to upload the target CSV."
  value       = module.quicksight_deprovision.csv_upload_uri
}

output "state_machine_console_url" {
  description = "Console page to start an execution."
  value       = module.quicksight_deprovision.state_machine_console_url
}

output "report_uri" {
  description = "Where the reports land."
  value       = module.quicksight_deprovision.report_uri
}

output "operator_policy_json" {
  description = "Policy for the operators' role or permission set."
  value       = module.quicksight_deprovision.operator_policy_json
}
