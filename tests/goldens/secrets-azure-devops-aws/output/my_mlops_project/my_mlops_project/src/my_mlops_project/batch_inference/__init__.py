"""Batch inference: score a table of trips with the champion model into the prediction table."""
