resource "aws_cloudwatch_event_rule" "this" {
  name        = var.name
  description = "Start the QuickSight deprovisioning state machine when a CSV is uploaded under ${var.input_prefix}."

  event_pattern = jsonencode({
    source      = ["aws.s3"]
    detail-type = ["Object Created"]
    detail = {
      bucket = { name = [var.bucket_name] }
      object = { key = [{ wildcard = "${var.input_prefix}*.csv" }] }
    }
  })

  tags = var.tags
}

data "aws_iam_policy_document" "assume_role" {
  statement {
    sid     = "EventBridgeAssumeRole"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["events.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = var.name
  description          = "Lets EventBridge start the QuickSight deprovisioning state machine."
  assume_role_policy   = data.aws_iam_policy_document.assume_role.json
  permissions_boundary = var.permissions_boundary
  tags                 = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "StartExecution"
    actions   = ["states:StartExecution"]
    resources = [var.state_machine_arn]
  }
}

resource "aws_iam_role_policy" "this" {
  name   = "start-execution"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

resource "aws_cloudwatch_event_target" "this" {
  rule     = aws_cloudwatch_event_rule.this.name
  arn      = var.state_machine_arn
  role_arn = aws_iam_role.this.arn

  # The execution input is {"csvKey": "<key>", "dryRun": <dry_run>}.
  input_transformer {
    input_paths    = { key = "$.detail.object.key" }
    input_template = "{\"csvKey\": <key>, \"dryRun\": ${var.dry_run}}"
  }
}
