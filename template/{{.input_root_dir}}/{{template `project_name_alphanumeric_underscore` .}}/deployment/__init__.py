"""Model deployment (aliases), batch inference and, with deploy_models, promotion across catalogs."""
