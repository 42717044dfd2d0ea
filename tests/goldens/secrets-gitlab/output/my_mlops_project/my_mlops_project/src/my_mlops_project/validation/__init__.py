"""Model validation: the checks a new model version must pass before it can be deployed."""
