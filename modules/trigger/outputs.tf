output "rule_arn" {
  description = "ARN of the EventBridge rule."
  value       = aws_cloudwatch_event_rule.this.arn
}

output "role_arn" {
  description = "ARN of the role EventBridge uses to start executions."
  value       = aws_iam_role.this.arn
}
