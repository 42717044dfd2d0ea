"""Developer tooling for this template repository: tool installer, workspace simulator, renderer."""
