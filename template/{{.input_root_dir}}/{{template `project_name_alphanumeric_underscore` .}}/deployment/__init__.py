"""Model deployment: the model aliases, moving `champion`, and batch inference with it."""
