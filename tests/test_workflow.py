"""The content workflow is a valid GitHub Actions workflow that runs the documented commands."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import jsonschema
import yaml

from kb.checks.structure import PLACEHOLDER
from tests.conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "content.yml"


def schema() -> dict[str, object]:
    # check-jsonschema vendors SchemaStore's GitHub workflow schema: no network needed
    vendored = resources.files("check_jsonschema") / "builtin_schemas/vendor/github-workflows.json"
    return json.loads(vendored.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load(path: Path) -> dict[str, object]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True)  # PyYAML reads YAML 1.1, where the key `on` means True
    return data  # type: ignore[no-any-return]


def test_workflow_is_valid_against_the_schema() -> None:
    jsonschema.validate(load(WORKFLOW), schema())


def test_schema_rejects_a_broken_workflow() -> None:
    broken = load(WORKFLOW)
    broken["jobs"]["check"]["steps"][0] = {"uses": "actions/checkout@v4", "runs": "x"}  # type: ignore[index]
    errors = list(jsonschema.Draft7Validator(schema()).iter_errors(broken))
    assert errors


def test_pull_requests_run_strict_check_and_pushes_index() -> None:
    flow = load(WORKFLOW)
    triggers = flow["on"]
    assert triggers["pull_request"]["paths"] == ["content/**"]  # type: ignore[index]
    assert triggers["push"]["branches"] == ["main"]  # type: ignore[index]
    jobs = flow["jobs"]
    check_steps = [s.get("run", "") for s in jobs["check"]["steps"]]  # type: ignore[index]
    assert "kb check --changed-since origin/main --format github --strict" in check_steps
    assert jobs["check"]["steps"][0]["with"]["fetch-depth"] == 0  # type: ignore[index]
    index = jobs["index"]["steps"][-1]  # type: ignore[index]
    assert index["run"] == "kb index"
    assert index["env"] == {
        "MEILI_URL": "${{ secrets.MEILI_URL }}",
        "MEILI_MASTER_KEY": "${{ secrets.MEILI_MASTER_KEY }}",
    }


def test_case_template_is_skipped_by_the_loader_and_matches_kb_new() -> None:
    from kb.casefiles import case_files

    template = ROOT / "content" / "cases" / "_template.md"
    assert template.exists()
    assert template not in case_files(ROOT / "content" / "cases")
    assert template.read_text(encoding="utf-8").count(PLACEHOLDER) == 4
