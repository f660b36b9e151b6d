"""Export Lambda of the QuickSight deprovisioning state machine (stdlib + boto3 only).

``handler.handler`` is the entry point; ``targets`` and ``report`` are pure functions that the
operator CLI reuses for its pre-flight check.
"""
