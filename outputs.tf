output "state_machine_arn" {
  description = "ARN of the state machine."
  value       = module.state_machine.state_machine_arn
}

output "state_machine_name" {
  description = "Name of the state machine."
  value       = module.state_machine.state_machine_name
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's execution role."
  value       = module.state_machine.role_arn
}

output "state_machine_log_group_name" {
  description = "CloudWatch log group of the state machine."
  value       = module.state_machine.log_group_name
}

output "state_machine_console_url" {
  description = "AWS console page of the state machine: choose \"Start execution\" and give {\"csvKey\": \"input/<file>.csv\", \"dryRun\": true}."
  value       = "https://${local.region}.${local.console_host}/states/home?region=${local.region}#/statemachines/view/${urlencode(local.state_machine_arn)}"
}

output "bucket_name" {
  description = "Name of the bucket with the CSVs and reports."
  value       = local.bucket_name
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = local.bucket_arn
}

output "csv_upload_prefix" {
  description = "Key prefix under which operators upload target CSVs."
  value       = local.input_prefix
}

output "csv_upload_uri" {
  description = "Where operators upload target CSVs."
  value       = "s3://${local.bucket_name}/${local.input_prefix}"
}

output "report_prefix" {
  description = "Key prefix of the reports: <report_prefix><execution name>/report.csv and summary.json."
  value       = local.report_prefix
}

output "report_uri" {
  description = "Where reports land: <report_uri><execution name>/report.csv and summary.json."
  value       = "s3://${local.bucket_name}/${local.report_prefix}"
}

output "archive_uri" {
  description = "Where a CSV is moved after a successful real run: <archive_uri><execution name>/<csv key>."
  value       = "s3://${local.bucket_name}/${local.archive_prefix}"
}

output "export_function_name" {
  description = "Name of the export function."
  value       = module.export_function.function_name
}

output "export_function_arn" {
  description = "ARN of the export function."
  value       = module.export_function.function_arn
}

output "export_function_role_arn" {
  description = "ARN of the export function's role."
  value       = module.export_function.role_arn
}

output "eventbridge_rule_arn" {
  description = "ARN of the EventBridge rule that starts executions on upload (null when the trigger is off)."
  value       = var.enable_eventbridge_trigger ? module.trigger[0].rule_arn : null
}

output "eventbridge_role_arn" {
  description = "ARN of the role EventBridge uses to start executions (null when the trigger is off)."
  value       = var.enable_eventbridge_trigger ? module.trigger[0].role_arn : null
}

output "operator_policy_json" {
  description = "IAM policy for operators: upload CSVs, start and watch executions, read reports, nothing else. Attach it to their role or permission set."
  value       = data.aws_iam_policy_document.operator.json
}
