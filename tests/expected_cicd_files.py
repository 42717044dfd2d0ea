"""The CI/CD and repository-level files of a render, relative to the root folder (input_root_dir), by answer.
Written from the documented layout, not from the template tree."""

from __future__ import annotations

from matrix import Combination

GITHUB = ("github_actions", "github_actions_for_github_enterprise_servers")

# Repository-level files of every render with CI/CD.
COMMON = {
    "README.md",
    ".gitignore",
    "docs/mlops-setup.md",
    "docs/ml-pull-request.md",
    "cicd.tar.gz",
    "cicd_params.json",
}


def platform_family(platform: str) -> str:
    """github (GitHub.com and GHES share the files), azure_devops or gitlab."""
    return "github" if platform in GITHUB else platform


def repository_pipelines(platform: str) -> set[str]:
    """The platform's files that serve every project of the repository."""
    return {
        "github": {
            ".github/workflows/README.md",
            ".github/workflows/deploy-cicd.yml",
            ".github/workflows/lint-cicd-workflow-files.yml",
        },
        "azure_devops": {".azure/devops-pipelines/README.md", ".azure/devops-pipelines/deploy-cicd.yml"},
        # GitLab has no deploy-cicd pipeline: cicd/add_project_cicd.py (in cicd.tar.gz) is run by hand.
        "gitlab": {".gitlab/README.md", ".gitlab/docker/Dockerfile", ".gitlab/docker/push_image_to_gitlab.sh"},
    }[platform_family(platform)]


def project_pipelines(platform: str, project_name: str) -> set[str]:
    """One project's pipelines, named after the raw project name."""
    n = project_name
    return {
        "github": {
            f".github/workflows/{n}-run-tests.yml",
            f".github/workflows/{n}-bundle-ci.yml",
            f".github/workflows/{n}-bundle-cd-staging.yml",
            f".github/workflows/{n}-bundle-cd-prod.yml",
        },
        "azure_devops": {f".azure/devops-pipelines/{n}-tests-ci.yml", f".azure/devops-pipelines/{n}-bundle-cicd.yml"},
        "gitlab": {
            f".gitlab/pipelines/{n}-triggers-cicd.yml",
            f".gitlab/pipelines/{n}-bundle-ci.yml",
            f".gitlab/pipelines/{n}-bundle-cd-staging.yml",
            f".gitlab/pipelines/{n}-bundle-cd-prod.yml",
        },
    }[platform_family(platform)]


def sub_template_files(platform: str, project_name: str, project_folder: str) -> set[str]:
    """What the cicd sub-template (cicd.tar.gz) adds for a project: its pipelines and its CI/CD bundle targets."""
    return project_pipelines(platform, project_name) | {f"{project_folder}/resources/cicd-targets.yml"}


def cicd_files(c: Combination) -> set[str]:
    # The record of the render (answers, derived names, template version), in every setup mode: a Project_Only
    # project keeps its own, in its folder (it may be rendered into a repository that has the root's record).
    files: set[str] = {".mlops-stacks.json" if c.has_cicd else f"{c.derived['project_folder']}/.mlops-stacks.json"}
    if c.has_project:
        # What deploy-cicd needs to know about the project; written even without CI/CD, to add it later.
        files.add(f"{c.derived['project_folder']}/project_params.json")
    if not c.has_cicd:
        return files
    platform = c["input_cicd_platform"]
    files |= COMMON | repository_pipelines(platform)
    if c.has_project:
        files |= project_pipelines(platform, c["input_project_name"])
    return files
