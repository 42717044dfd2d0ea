#!/usr/bin/env bash
# Builds the CI image from the Dockerfile next to this script and pushes it as the image the GitLab pipelines run in
# (default_image below). Log in to its registry first (`docker login <registry>`). To push under another name, pass
# it as the first argument (and set it as `image` in the pipelines).
set -euo pipefail

default_image='registry.gitlab.com/your-group/your-project/mlops-ci:1.0.0'
image="${1:-$default_image}"
case "$image" in
  *@*)
    echo "$image names a digest, which cannot be built. Pass a tagged name to build and push, then" >&2
    echo "pin the pipelines to the digest it was pushed as." >&2
    exit 1
    ;;
esac

cd "$(dirname "$0")"
docker build --pull --tag "$image" .
docker push "$image"
