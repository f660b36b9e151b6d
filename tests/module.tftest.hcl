# Plan-only tests for users' pipelines: `terraform test` (Terraform >= 1.7, providers installed).
# Providers are mocked, so no AWS account is needed. Mocks return random strings for computed
# attributes, so the policy documents get a fixed JSON.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "123456789012"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_region" {
    defaults = {
      region = "us-east-1"
    }
  }
}

mock_provider "archive" {}

run "defaults_create_a_bucket_and_expose_where_to_upload" {
  command = plan

  assert {
    condition     = output.state_machine_name == "quicksight-deprovision"
    error_message = "The state machine is named after var.name."
  }

  assert {
    condition     = output.csv_upload_uri == "s3://quicksight-deprovision-123456789012-us-east-1/input/"
    error_message = "CSVs are uploaded under input/ of the new bucket."
  }

  assert {
    condition     = output.report_uri == "s3://quicksight-deprovision-123456789012-us-east-1/reports/"
    error_message = "Reports land under reports/."
  }

  assert {
    condition     = startswith(output.state_machine_console_url, "https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/statemachines/view/")
    error_message = "The console URL opens the state machine in its region."
  }

  assert {
    condition     = output.eventbridge_rule_arn == null
    error_message = "No trigger unless enable_eventbridge_trigger is set."
  }
}

run "existing_bucket_is_used_as_is" {
  command = plan

  variables {
    create_bucket = false
    bucket_name   = "corp-quicksight-admin"
  }

  override_data {
    target = data.aws_s3_bucket.existing
    values = {
      id = "corp-quicksight-admin"
    }
  }

  assert {
    condition     = output.csv_upload_uri == "s3://corp-quicksight-admin/input/"
    error_message = "The existing bucket receives the CSVs."
  }
}

run "existing_bucket_needs_a_name" {
  command = plan

  variables {
    create_bucket = false
  }

  expect_failures = [data.aws_s3_bucket.existing]
}

run "max_concurrency_is_bounded" {
  command = plan

  variables {
    max_concurrency = 100
  }

  expect_failures = [var.max_concurrency]
}

run "deletable_roles_must_be_quicksight_roles" {
  command = plan

  variables {
    deletable_roles = ["READER", "OWNER"]
  }

  expect_failures = [var.deletable_roles]
}

run "trigger_and_topic_plan" {
  command = plan

  variables {
    enable_eventbridge_trigger = true
    sns_topic_arn              = "arn:aws:sns:us-east-1:123456789012:summary"
    kms_key_arn                = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = output.state_machine_name == "quicksight-deprovision"
    error_message = "Everything optional turned on still plans."
  }
}
