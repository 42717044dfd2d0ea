"""Feature engineering: the pickup and dropoff feature tables the model looks its features up in."""
