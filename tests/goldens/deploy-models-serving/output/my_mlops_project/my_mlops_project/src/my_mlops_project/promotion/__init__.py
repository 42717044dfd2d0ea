"""Model promotion: copy the model validated in staging into the production catalog."""
