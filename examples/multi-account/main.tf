# One module instance per AWS account, each with its own provider configuration.

provider "aws" {
  alias  = "production"
  region = "us-east-1"

  assume_role {
    role_arn = "arn:aws:iam::${var.production_account_id}:role/terraform"
  }
}

provider "aws" {
  alias  = "analytics"
  region = "ap-northeast-1"

  assume_role {
    role_arn = "arn:aws:iam::${var.analytics_account_id}:role/terraform"
  }
}

variable "production_account_id" {
  description = "Account with the production QuickSight subscription."
  type        = string
}

variable "analytics_account_id" {
  description = "Account with the analytics team's QuickSight subscription."
  type        = string
}

variable "summary_topic_arn" {
  description = "SNS topic in the analytics account that receives run summaries (optional)."
  type        = string
  default     = null
}

module "production" {
  source    = "../.."
  providers = { aws = aws.production }

  name = "qs-deprovision-prod"
}

module "analytics" {
  source    = "../.."
  providers = { aws = aws.analytics }

  name                 = "qs-deprovision-analytics"
  quicksight_namespace = "analytics"
  deletable_roles      = ["READER", "READER_PRO"]
  sns_topic_arn        = var.summary_topic_arn
}

output "state_machine_console_urls" {
  description = "Console page of each account's state machine."
  value = {
    production = module.production.state_machine_console_url
    analytics  = module.analytics.state_machine_console_url
  }
}

output "csv_upload_uris" {
  description = "Where to upload each account's CSV."
  value = {
    production = module.production.csv_upload_uri
    analytics  = module.analytics.csv_upload_uri
  }
}
