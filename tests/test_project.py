"""Checks of the project's shape: table of contents, notebooks, CI entry, pins, vendored JS."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))


def toc_files(entries) -> list[str]:
    """Return every ``file:`` of a (nested) jb-book table of contents."""
    found = []
    if isinstance(entries, dict):
        if "file" in entries:
            found.append(entries["file"])
        for key in ("parts", "chapters", "sections"):
            found += toc_files(entries.get(key, []))
    elif isinstance(entries, list):
        for entry in entries:
            found += toc_files(entry)
    return found


@pytest.fixture(scope="module")
def toc() -> dict:
    return yaml.safe_load((REPO_ROOT / "_toc.yml").read_text())


def test_toc_files_finds_nested_entries():
    nested = {
        "root": "intro",
        "parts": [{"chapters": [{"file": "a", "sections": [{"file": "b"}]}, {"file": "c"}]}],
    }
    assert toc_files(nested) == ["a", "b", "c"]


def test_every_toc_entry_exists(toc):
    entries = [toc["root"], *toc_files(toc)]
    missing = [
        entry
        for entry in entries
        if not any((REPO_ROOT / f"{entry}{suffix}").is_file() for suffix in ("", ".md", ".ipynb"))
    ]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_every_notebook_is_in_the_toc(toc):
    listed = {Path(entry).with_suffix("").as_posix() for entry in [toc["root"], *toc_files(toc)]}
    unlisted = [
        nb.relative_to(REPO_ROOT).as_posix()
        for nb in NOTEBOOKS
        if nb.relative_to(REPO_ROOT).with_suffix("").as_posix() not in listed
    ]
    assert not unlisted, f"notebooks missing from _toc.yml (only_build_toc_files hides them): {unlisted}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[nb.name for nb in NOTEBOOKS])
def test_notebook_is_committed_without_outputs(notebook):
    nb = nbformat.read(notebook, as_version=4)
    with_outputs = [
        index
        for index, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not with_outputs, (
        f"{notebook.name}: cells {with_outputs} have outputs or execution counts; "
        "clear them (jupyter nbconvert --clear-output --inplace) before committing"
    )
    assert "widgets" not in nb.metadata, f"{notebook.name} carries saved widget state; clear it"


def _readme_test_command() -> str:
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"<!-- test-command -->\s*```(?:bash|sh)?\n(?P<command>[^\n]+)\n```", readme)
    assert match, "README.md must show the test command in a code block right after <!-- test-command -->"
    return match["command"].strip()


def test_ci_runs_exactly_the_readme_test_command():
    command = _readme_test_command()
    ci_lines = [
        line.strip()
        for line in (REPO_ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert ci_lines[-1] == command, f".ci/run ends with {ci_lines[-1]!r}, README says {command!r}"


def test_readme_build_command_script_exists():
    readme = (REPO_ROOT / "README.md").read_text()
    match = re.search(r"<!-- build-command -->\s*```(?:bash|sh)?\n(?P<command>[^\n]+)\n```", readme)
    assert match, "README.md must show the build command right after <!-- build-command -->"
    script = match["command"].split()[-1]
    assert (REPO_ROOT / script).is_file()


def _requirements() -> list[str]:
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    return [line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip()]


def test_requirements_pin_every_package_and_install_knnlib():
    lines = _requirements()
    assert "-e ." in lines, "requirements.txt must install knnlib itself (-e .)"
    for line in lines:
        if line == "-e .":
            continue
        requirement = Requirement(line)
        assert len(requirement.specifier) == 1 and next(iter(requirement.specifier)).operator == "==", (
            f"{line!r} is not pinned with =="
        )


def test_requirements_pin_jupyter_book_1():
    pins = {Requirement(line).name: Requirement(line) for line in _requirements() if line != "-e ."}
    version = Version(next(iter(pins["jupyter-book"].specifier)).version)
    assert version in SpecifierSet(">=1.0.4.post1,<2")


def test_no_top_level_static_folder():
    # Jupyter Book 1 injects every .js under a top-level _static/ (and then
    # under every html_static_path folder) into EVERY page; the widget
    # scripts must load only on pages with widgets.
    assert not (REPO_ROOT / "_static").exists()


def test_config_builds_only_toc_files_and_executes_every_notebook():
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    assert config["only_build_toc_files"] is True
    assert config["execute"]["execute_notebooks"] == "force"
    static_dirs = [REPO_ROOT / d for d in config["sphinx"]["config"]["html_static_path"]]
    for script in config["sphinx"]["config"]["nb_ipywidgets_js"]:
        assert "://" not in script, f"{script} would load from the network"
        assert any((d / script).is_file() for d in static_dirs), f"{script} is not in html_static_path"


def test_vendored_javascript_matches_its_record():
    spec = importlib.util.spec_from_file_location("vendor_js", REPO_ROOT / "scripts" / "vendor_js.py")
    vendor_js = importlib.util.module_from_spec(spec)
    sys.modules["vendor_js"] = vendor_js  # its dataclasses look their module up
    spec.loader.exec_module(vendor_js)
    assert vendor_js.check() == []


def test_test_files_have_unique_basenames():
    # tests/ has no __init__.py files, so pytest imports test modules by
    # basename: two files with one name (say tests/test_x.py and
    # tests/browser/test_x.py) break collection whenever one worker gets both.
    seen = {}
    for path in sorted((REPO_ROOT / "tests").rglob("test_*.py")):
        seen.setdefault(path.name, []).append(str(path.relative_to(REPO_ROOT)))
    clashes = {name: paths for name, paths in seen.items() if len(paths) > 1}
    assert not clashes, f"test files sharing a basename: {clashes}"
