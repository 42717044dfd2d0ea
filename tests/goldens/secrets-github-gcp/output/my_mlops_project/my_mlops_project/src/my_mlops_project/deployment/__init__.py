"""Deployment: make the validated model version the one batch inference uses."""
