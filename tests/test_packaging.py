"""The distribution's metadata: the declared license with its text, classifiers and project URLs.

They are read from the installed distribution (``importlib.metadata``), which the build backend wrote
from ``pyproject.toml`` when the package was installed: what an index would show. An installation older
than ``pyproject.toml`` is reported as such rather than compared.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageMetadata, PackageNotFoundError, distribution
from pathlib import Path
from urllib.parse import urlsplit

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


@pytest.fixture(scope="module")
def metadata() -> PackageMetadata:
    try:
        found = distribution(PROJECT["name"])
    except PackageNotFoundError:
        pytest.skip(f"{PROJECT['name']} is not installed")
    installed = found.metadata
    if installed.get_all("Classifier") != PROJECT.get("classifiers"):
        pytest.fail(f"the installed metadata is older than pyproject.toml: run pip install -e {ROOT}")
    return installed


def test_the_license_file_is_the_declared_license() -> None:
    assert PROJECT["license"] == "MIT"
    assert PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) ")
    assert "Permission is hereby granted, free of charge, to any person obtaining a copy" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_the_metadata_declares_the_license(metadata: PackageMetadata) -> None:
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    # With a license expression, a "License ::" classifier is not allowed (PEP 639).
    assert not [c for c in metadata.get_all("Classifier") or [] if c.startswith("License ::")]


def test_the_metadata_has_classifiers_that_match_the_project(metadata: PackageMetadata) -> None:
    classifiers: list[str] = metadata.get_all("Classifier") or []
    assert all(re.fullmatch(r"[A-Z][\w .+/()-]*( :: [\w .+/()-]+)+", c) for c in classifiers), classifiers
    minimum = re.fullmatch(r">=3\.(\d+)", PROJECT["requires-python"])
    assert minimum is not None
    versions = sorted(int(c.rsplit(".", 1)[1]) for c in classifiers if re.fullmatch(r".*:: 3\.\d+", c))
    assert versions and versions[0] == int(minimum.group(1)), "the oldest Python listed is the one required"
    assert "Programming Language :: Python :: 3 :: Only" in classifiers
    assert "Typing :: Typed" in classifiers and (ROOT / "codemods" / "py.typed").exists()
    try:
        from trove_classifiers import classifiers as known
    except ImportError:
        return
    assert set(classifiers) <= known


def test_the_metadata_has_project_urls(metadata: PackageMetadata) -> None:
    urls = dict(entry.split(", ", 1) for entry in metadata.get_all("Project-URL") or [])
    assert urls == PROJECT["urls"] and urls
    assert all(urlsplit(url).scheme == "https" and urlsplit(url).netloc for url in urls.values())


def test_the_helper_carries_its_license_notice() -> None:
    from codemods.runtime import learning360_v2 as helper

    copyright_line = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[2]
    documentation = " ".join((helper.__doc__ or "").split())
    assert copyright_line in documentation and "SPDX-License-Identifier: MIT" in documentation
