"""Refresh the JavaScript the built book needs offline, from the npm registry.

The rendered book must work with no network: its widgets are drawn from saved
state by the Jupyter widget manager (``@jupyter-widgets/html-manager``), which
needs ``require.js`` and, for anywidget-based widgets, ``anywidget``'s AMD
build; matplotlib's ``to_jshtml`` animations need the Font Awesome 4 icons.
This script downloads exact versions with ``npm pack``, copies the files the
book uses into ``book/assets/vendor/`` and records what it copied (version,
licence, npm integrity, SHA-256 of every file) in ``vendored.json`` and
``VENDORED.md`` beside them.

Usage (from the repository root)::

    .venv/bin/python scripts/vendor_js.py            # download and refresh
    .venv/bin/python scripts/vendor_js.py --check    # verify, no network

To move to a newer version, change :data:`PACKAGES` (anywidget follows the
installed Python ``anywidget``, whose widgets ask for a matching version) and
rerun; then rebuild the book and run the browser tests.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = REPO_ROOT / "book" / "assets" / "vendor"
MANIFEST_JSON = VENDOR_DIR / "vendored.json"
MANIFEST_MD = VENDOR_DIR / "VENDORED.md"


@dataclass(frozen=True)
class VendoredPackage:
    """One npm package, the files taken from it and where they go.

    ``files`` are glob patterns relative to the package root (the tarball's
    ``package/`` folder). A match keeps its path below the package root,
    minus the leading ``strip`` folder: the widget manager expects its fonts
    beside ``embed-amd.js`` (so ``dist/`` is stripped), while Font Awesome's
    CSS points at ``../fonts/`` (so its tree is kept).
    """

    name: str
    version: str
    dest: str
    files: tuple[str, ...]
    why: str
    strip: str = ""


def _installed_anywidget_version() -> str:
    # The widgets a notebook saves ask for the anywidget front-end matching
    # the Python package that created them, so vendor exactly that version.
    return metadata.version("anywidget")


PACKAGES: tuple[VendoredPackage, ...] = (
    VendoredPackage(
        name="requirejs",
        version="2.3.8",
        dest="requirejs",
        files=("require.js",),
        why="AMD module loader used by the widget manager",
    ),
    VendoredPackage(
        name="@jupyter-widgets/html-manager",
        version="1.0.15",  # the html-manager release line of ipywidgets 8
        dest="html-manager",
        strip="dist/",
        files=(
            "dist/embed-amd.js",
            "dist/embed.js.LICENSE.txt",
            "dist/*.woff2",
            "dist/*.woff",
            "dist/*.ttf",
            "dist/*.eot",
            "dist/*.svg",
        ),
        why="renders ipywidgets from the notebook's saved widget state (no kernel); "
        "the font files are its icon fonts, loaded relative to embed-amd.js",
    ),
    VendoredPackage(
        name="anywidget",
        version=_installed_anywidget_version(),
        dest="anywidget",
        strip="dist/",
        files=("dist/index.js", "LICENSE"),
        why="front-end of anywidget-based widgets (AMD build)",
    ),
    VendoredPackage(
        name="font-awesome",
        version="4.7.0",
        dest="font-awesome-4",
        files=(
            "css/font-awesome.min.css",
            "fonts/fontawesome-webfont.*",
        ),
        why="icons of matplotlib's to_jshtml animation controls, which link "
        "Font Awesome 4 from a CDN (book/_ext/knnbook_offline.py points them here)",
    ),
)


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(spec: str, workdir: Path) -> dict:
    """Download one package tarball with ``npm pack`` and return npm's record.

    The record (from ``npm pack --json``) holds the tarball's ``filename``,
    ``integrity`` and ``shasum``.
    """
    completed = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    )
    records = json.loads(completed.stdout)
    if len(records) != 1:
        raise RuntimeError(f"npm pack {spec} returned {len(records)} records, expected 1")
    return records[0]


def extract_files(tarball: Path, package: VendoredPackage, dest: Path) -> list[Path]:
    """Copy the files of ``package`` matching its patterns from ``tarball`` into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    copied: list[Path] = []
    with tarfile.open(tarball) as archive:
        members = [m for m in archive.getmembers() if m.isfile()]
        for pattern in package.files:
            matches = [
                m
                for m in members
                if fnmatch.fnmatch(m.name.removeprefix("package/"), pattern)
            ]
            if not matches:
                raise RuntimeError(
                    f"{package.name}@{package.version}: no file matches {pattern!r}"
                )
            for member in matches:
                relative = member.name.removeprefix("package/").removeprefix(package.strip)
                target = dest / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.extractfile(member) as source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
                copied.append(target)
    return copied


def read_package_json(tarball: Path) -> dict:
    """Return the parsed ``package/package.json`` of an npm tarball."""
    with tarfile.open(tarball) as archive:
        with archive.extractfile("package/package.json") as handle:
            return json.load(handle)


def refresh() -> dict:
    """Download every package in :data:`PACKAGES` and rewrite the vendor folder."""
    manifest: dict = {"generated_by": "scripts/vendor_js.py", "packages": []}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        staging = workdir / "vendor"
        for package in PACKAGES:
            spec = f"{package.name}@{package.version}"
            print(f"vendor_js: npm pack {spec}")
            record = npm_pack(spec, workdir)
            tarball = workdir / record["filename"]
            package_json = read_package_json(tarball)
            package_dir = staging / package.dest
            copied = extract_files(tarball, package, package_dir)
            manifest["packages"].append(
                {
                    "name": package.name,
                    "version": package_json["version"],
                    "license": package_json.get("license", "UNKNOWN"),
                    "homepage": package_json.get("homepage", ""),
                    "npm_integrity": record["integrity"],
                    "why": package.why,
                    "files": {
                        f"{package.dest}/{path.relative_to(package_dir).as_posix()}": sha256_of(path)
                        for path in sorted(copied)
                    },
                }
            )
        # Swap in the new copies only after every download succeeded.
        for package in PACKAGES:
            shutil.rmtree(VENDOR_DIR / package.dest, ignore_errors=True)
        VENDOR_DIR.mkdir(parents=True, exist_ok=True)
        for package in PACKAGES:
            shutil.copytree(staging / package.dest, VENDOR_DIR / package.dest)
    MANIFEST_JSON.write_text(json.dumps(manifest, indent=2) + "\n")
    MANIFEST_MD.write_text(render_markdown(manifest))
    return manifest


def render_markdown(manifest: dict) -> str:
    """Return the human-readable VENDORED.md for a manifest."""
    lines = [
        "# Vendored JavaScript",
        "",
        "Copied from the npm registry by `scripts/vendor_js.py` (do not edit by hand;",
        "rerun the script). The book serves these files itself so that a built page",
        "needs no network. SHA-256 of every file: `vendored.json`.",
        "",
        "| package | version | licence | used for |",
        "|---|---|---|---|",
    ]
    for package in manifest["packages"]:
        lines.append(
            f"| `{package['name']}` | {package['version']} | {package['license']} "
            f"| {package['why']} |"
        )
    lines.append("")
    return "\n".join(lines)


def check() -> list[str]:
    """Return the problems found comparing the vendor folder with ``vendored.json``.

    An empty list means every recorded file is present with the recorded
    SHA-256, every package in :data:`PACKAGES` is recorded at its version,
    and no unrecorded file sits in a package folder.
    """
    if not MANIFEST_JSON.exists():
        return [f"{MANIFEST_JSON} is missing: run scripts/vendor_js.py"]
    manifest = json.loads(MANIFEST_JSON.read_text())
    recorded = {p["name"]: p for p in manifest["packages"]}
    problems = []
    for package in PACKAGES:
        entry = recorded.get(package.name)
        if entry is None:
            problems.append(f"{package.name} is not vendored: run scripts/vendor_js.py")
            continue
        if entry["version"] != package.version:
            problems.append(
                f"{package.name}: vendored version {entry['version']} but "
                f"scripts/vendor_js.py wants {package.version}: rerun it"
            )
        for relative, digest in entry["files"].items():
            path = VENDOR_DIR / relative
            if not path.exists():
                problems.append(f"{relative} is missing")
            elif sha256_of(path) != digest:
                problems.append(f"{relative} differs from the npm copy recorded in vendored.json")
        on_disk = {
            path.relative_to(VENDOR_DIR).as_posix()
            for path in (VENDOR_DIR / package.dest).rglob("*")
            if path.is_file()
        }
        for extra in sorted(on_disk - set(entry["files"])):
            problems.append(f"{extra} is not recorded in vendored.json")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify the vendored files against vendored.json (no network)",
    )
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(f"vendor_js: {problem}", file=sys.stderr)
        if not problems:
            print("vendor_js: vendored files match vendored.json")
        return 1 if problems else 0
    manifest = refresh()
    for package in manifest["packages"]:
        print(f"vendor_js: {package['name']}@{package['version']} ({package['license']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
