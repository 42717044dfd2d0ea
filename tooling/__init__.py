"""Developer tooling for this template repository: CLI installer, local workspace stand-in, renderer."""
