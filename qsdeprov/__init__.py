"""Developer and operator tooling for the QuickSight deprovisioning module.

The deployed product is the Terraform module and the Lambda in ``lambda_src/``; this package
renders the state machine template, runs it on an embedded moto backend (tests and
``make demo``) and holds the operator CLI.
"""
