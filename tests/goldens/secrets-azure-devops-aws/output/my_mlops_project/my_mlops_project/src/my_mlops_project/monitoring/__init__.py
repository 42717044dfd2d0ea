"""Monitoring: the monitor on the prediction table, and the check that triggers retraining."""
