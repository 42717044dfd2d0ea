"""Build the pinned Databricks CLI, the workspace simulator and actionlint from the Go module proxy into .tools/bin.

    python -m tooling.install_tools            # CLI, simulator and actionlint
    python -m tooling.install_tools cli        # only the CLI (also: simulator, actionlint)

Each binary is built once per machine into the per-user cache (keyed by version) and copied into the
git-ignored .tools/bin of the checkout; a second run is instant.

Why not plain `go install module@version`: the module proxy reachable here refuses version *listings*
(`@v/list` answers 403), and `go install pkg@version` always lists the module's versions to look for a
deprecation notice, so it fails before building. Instead we build the package from a throwaway module
that requires exactly the pinned version and carries the pinned module's own go.sum. Go's checksum
verification stays on: the pinned module is checked against the checksum database (through the proxy),
and every dependency against that module's go.sum.

The workspace simulator (tooling/simulator/main.go, our own program around the CLI module's
libs/testserver) is built the same way: its main.go is copied into the throwaway module, which requires
the pinned CLI module, so the CLI version is stated once (library/template_variables.tmpl). Its cache key
and its `--version` output also carry a hash of main.go, so an edited source is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tooling.paths import REPO_ROOT, TOOLS_BIN, user_cache_dir
from tooling.versions import ACTIONLINT_VERSION, pinned_cli_version


class ToolInstallError(RuntimeError):
    pass


@dataclass(frozen=True)
class GoTool:
    name: str  # binary name placed in .tools/bin
    module: str
    package: str
    version: str  # with leading "v"
    ldflags: str = ""
    # Our own source files copied into the throwaway module (name, content); `package` is then ".".
    sources: tuple[tuple[str, bytes], ...] = ()
    # Texts the binary's `--version` output must contain (default: the version without "v"), and the folder
    # name of the build in the user cache (default: the version).
    stamps: tuple[str, ...] = ()
    cache_key: str = ""

    def version_probe(self) -> list[str]:
        return ["--version"]


def databricks_cli() -> GoTool:
    version = pinned_cli_version()
    # Without this flag a source build reports "v0.0.0-dev" and the template's
    # min_databricks_cli_version is never enforced (see the CLI's internal/build package).
    ldflags = f"-X github.com/databricks/cli/internal/build.buildVersion={version.lstrip('v')}"
    return GoTool("databricks", "github.com/databricks/cli", "github.com/databricks/cli", version, ldflags)


SIMULATOR_SOURCE = REPO_ROOT / "tooling" / "simulator" / "main.go"


def simulator() -> GoTool:
    """The workspace simulator: tooling/simulator/main.go built against the pinned CLI module."""
    source = SIMULATOR_SOURCE.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    version = pinned_cli_version()
    return GoTool(
        "simulator",
        "github.com/databricks/cli",
        ".",
        version,
        f"-X main.sourceHash={digest}",
        sources=(("main.go", source),),
        # --version prints JSON: {"cli_module":"v1.9.0","go":"go1.26.8","source":"<digest>"}
        stamps=(f'"cli_module":"{version}"', f'"source":"{digest}"'),
        cache_key=f"{version}-{digest}",
    )


def actionlint() -> GoTool:
    return GoTool(
        "actionlint",
        "github.com/rhysd/actionlint",
        "github.com/rhysd/actionlint/cmd/actionlint",
        ACTIONLINT_VERSION,
        f"-X github.com/rhysd/actionlint.version={ACTIONLINT_VERSION}",
    )


def _go() -> str:
    go = shutil.which("go")
    if not go:
        raise ToolInstallError(
            "Go is required to build the pinned Databricks CLI but `go` is not on PATH. "
            "Install Go 1.26 or newer (https://go.dev/doc/install) and run this again."
        )
    return go


def _go_env() -> dict[str, str]:
    env = dict(os.environ)
    # Use the Go on PATH and never download another toolchain, unless the caller chose one explicitly
    # (this repository's own CI sets GOTOOLCHAIN=go1.26.8 on runners whose preinstalled Go is older).
    env.setdefault("GOTOOLCHAIN", "local")
    env["GOFLAGS"] = "-mod=mod"
    env.pop("GONOSUMDB", None)
    env.pop("GONOSUMCHECK", None)
    env.pop("GOINSECURE", None)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolInstallError(f"`{' '.join(cmd)}` failed (exit {proc.returncode}):\n{proc.stderr.strip()}")
    return proc.stdout


def build(tool: GoTool, dest: Path) -> None:
    go = _go()
    env = _go_env()
    with tempfile.TemporaryDirectory(prefix=f"build-{tool.name}-") as tmp:
        work = Path(tmp)
        _run([go, "mod", "init", f"build.local/{tool.name}"], work, env)
        # Downloads the pinned module and verifies it against the checksum database.
        info = json.loads(_run([go, "mod", "download", "-json", f"{tool.module}@{tool.version}"], work, env))
        module_dir = Path(info["Dir"])
        sums = [
            f"{tool.module} {tool.version} {info['Sum']}",
            f"{tool.module} {tool.version}/go.mod {info['GoModSum']}",
        ]
        module_sum = module_dir / "go.sum"
        text = module_sum.read_text() if module_sum.exists() else ""
        (work / "go.sum").write_text(text + "\n".join(sums) + "\n")
        _run([go, "mod", "edit", f"-require={tool.module}@{tool.version}"], work, env)
        for name, content in tool.sources:
            (work / name).write_bytes(content)
        if tool.sources:
            _run([go, "vet", "."], work, env)  # our own Go code: vetted on every build
        dest.parent.mkdir(parents=True, exist_ok=True)
        partial = dest.with_suffix(".partial")
        cmd = [go, "build", "-trimpath", "-o", str(partial)]
        if tool.ldflags:
            cmd += ["-ldflags", tool.ldflags]
        _run(cmd + [tool.package], work, env)
        partial.replace(dest)


def _reports_version(binary: Path, tool: GoTool) -> bool:
    if not binary.exists():
        return False
    proc = subprocess.run([str(binary), *tool.version_probe()], capture_output=True, text=True)
    stamps = tool.stamps or (tool.version.lstrip("v"),)
    return proc.returncode == 0 and all(stamp in proc.stdout for stamp in stamps)


def install(tool: GoTool) -> Path:
    """Make .tools/bin/<name> the pinned build; returns its path."""
    target = TOOLS_BIN / tool.name
    if _reports_version(target, tool):
        return target
    cached = user_cache_dir() / "go-tools" / tool.name / (tool.cache_key or tool.version) / tool.name
    if not _reports_version(cached, tool):
        print(
            f"Building {tool.name} {tool.version} from the Go module proxy (first time on this machine)...",
            file=sys.stderr,
        )
        build(tool, cached)
        if not _reports_version(cached, tool):
            raise ToolInstallError(f"the freshly built {cached} does not report version {tool.version}")
    TOOLS_BIN.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    shutil.copy2(cached, tmp)
    tmp.replace(target)
    return target


def main(argv: list[str]) -> int:
    tools = {"cli": databricks_cli, "simulator": simulator, "actionlint": actionlint}
    wanted = argv or list(tools)
    try:
        for name in wanted:
            path = install(tools[name]())
            print(f"{name}: {path}")
    except (ToolInstallError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
