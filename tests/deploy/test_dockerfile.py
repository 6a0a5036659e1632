"""deploy/Dockerfile: docker cannot run here, so its structure is checked instead."""

from __future__ import annotations

import re

from tests.deploy.support import DEPLOY, ROOT

DOCKERFILE = (DEPLOY / "Dockerfile").read_text()


def stages() -> dict[str, str]:
    """Stage name -> its instructions."""
    parts = re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]
    named = {}
    for part in parts:
        header = part.splitlines()[0]
        match = re.search(r"\bAS (\S+)", header)
        assert match, f"unnamed stage: FROM {header}"
        named[match.group(1)] = "FROM " + part
    return named


def test_three_stages_front_end_wheels_and_a_slim_runtime() -> None:
    named = stages()
    assert list(named) == ["frontend", "wheels", "runtime"]
    assert "npm ci" in named["frontend"]
    assert "npm run build" in named["frontend"]
    assert "-slim" in named["runtime"].splitlines()[0]
    assert "COPY --from=frontend" in named["runtime"]
    # Compilers and node stay in the build stages.
    assert "build-essential" not in named["runtime"]
    assert "npm" not in named["runtime"]


def test_the_runtime_runs_as_a_non_root_user_with_a_healthcheck() -> None:
    runtime = stages()["runtime"]
    users = re.findall(r"^USER (\S+)", runtime, flags=re.MULTILINE)
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}
    assert re.search(r"^HEALTHCHECK .*\n?.*/livez", runtime, flags=re.MULTILINE)
    assert 'ENTRYPOINT ["bin/start"]' in runtime


def test_every_copied_path_exists_and_the_context_leaves_out_what_the_image_does_not_need() -> None:
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(.+) \S+$", DOCKERFILE, re.MULTILINE):
        for path in source.split():
            assert (ROOT / path).exists(), path
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".git", ".venv", "tests", "instance"} <= set(ignored)
