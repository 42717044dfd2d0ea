"""Model training: the fare model, its inputs, and its registration in Unity Catalog."""
