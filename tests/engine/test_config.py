"""``[tool.migrate-360learning]`` in pyproject.toml: where it is found, what it accepts, what it refuses,
how flags combine with it, and that the generated helper reads the environment variables it names."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result
from fake360 import Fake360, dataset
from support.paths import ROOT
from support.sources import SITE

from codemods.cli.main import cli, options_for
from codemods.engine import config, runner
from codemods.engine.config import Config, ConfigError, find_pyproject, for_paths, load
from codemods.engine.discovery import Anchored
from codemods.engine.helper_module import HelperSourceError, helper_outcome, helper_source, with_env_names
from codemods.engine.options import RunOptions
from codemods.mapping import ENDPOINTS

FULL = """\
[project]
name = "acme"

[tool.migrate-360learning]
exclude = ["vendor/", "legacy_*.py"]
include = ["src/"]
helper-module = "src/acme/l360.py"
hosts = ["lms.acme.example"]

[tool.migrate-360learning.wrappers]
"acme.lms.user_course_stats" = "getUserCourseStats"
"acme.lms.Client.course_stats" = "getCourseStats"

[tool.migrate-360learning.helper-env]
client-id = "ACME_L360_ID"
client-secret = "ACME_L360_SECRET"
company-id = "ACME_L360_COMPANY"
user-cache = "ACME_L360_CACHE"
user-cache-ttl = "ACME_L360_CACHE_TTL"
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_every_key_is_read(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", FULL)
    settings = load(pyproject)
    assert settings == Config(
        path=pyproject,
        exclude=("vendor/", "legacy_*.py"),
        include=("src/",),
        helper_module=tmp_path / "src" / "acme" / "l360.py",
        hosts=("lms.acme.example",),
        wrappers=(
            ("acme.lms.user_course_stats", "getUserCourseStats"),
            ("acme.lms.Client.course_stats", "getCourseStats"),
        ),
        helper_env=(
            ("ENV_CLIENT_ID", "ACME_L360_ID"),
            ("ENV_CLIENT_SECRET", "ACME_L360_SECRET"),
            ("ENV_COMPANY_ID", "ACME_L360_COMPANY"),
            ("ENV_USER_CACHE", "ACME_L360_CACHE"),
            ("ENV_USER_CACHE_TTL", "ACME_L360_CACHE_TTL"),
        ),
    )


def test_helper_env_has_a_key_for_every_variable_the_helper_reads() -> None:
    constants = re.findall(r"^(ENV_[A-Z_]+) = ", helper_source().decode("utf-8"), re.MULTILINE)
    assert sorted(config.HELPER_ENV_CONSTANTS.values()) == sorted(constants)


def test_nearest_pyproject_from_the_first_path(tmp_path: Path) -> None:
    outer = write(tmp_path / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['outer']\n")
    inner = write(tmp_path / "svc" / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['inner']\n")
    code = write(tmp_path / "svc" / "app" / "stats.py", SITE)
    assert find_pyproject(code) == inner
    assert find_pyproject(code.parent) == inner
    assert find_pyproject(tmp_path / "svc") == inner
    assert find_pyproject(tmp_path) == outer
    assert for_paths([code.parent, tmp_path]).hosts == ("inner",)
    assert for_paths([tmp_path, code]).hosts == ("outer",)


def test_a_pyproject_without_the_table_does_not_shadow_the_one_above(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['parent']\n")
    write(tmp_path / "repo" / "pyproject.toml", "[project]\nname = 'x'\n")
    assert for_paths([tmp_path / "repo"]).hosts == ("parent",)
    assert for_paths([tmp_path]).hosts == ("parent",)


def test_the_search_stops_at_the_repository_root(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['outside']\n")
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    code = write(tmp_path / "repo" / "app" / "stats.py", SITE)
    assert find_pyproject(code) is None
    assert for_paths([code.parent]) == Config()
    write(tmp_path / "repo" / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['root']\n")
    assert for_paths([code.parent]).hosts == ("root",)


def test_config_file_names_another_file_which_must_hold_the_table(tmp_path: Path) -> None:
    write(tmp_path / "repo" / "pyproject.toml", "[tool.migrate-360learning]\nhosts = ['repo']\n")
    other = write(tmp_path / "ci" / "migrate.toml", "[tool.migrate-360learning]\nhelper-module = 'h.py'\n")
    settings = for_paths([tmp_path / "repo"], other)
    assert settings.hosts == ()
    assert settings.helper_module == tmp_path / "ci" / "h.py"
    empty = write(tmp_path / "ci" / "empty.toml", "[tool.other]\nx = 1\n")
    with pytest.raises(ConfigError, match=r"has no \[tool\.migrate-360learning\] table"):
        for_paths([tmp_path / "repo"], empty)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param("exlude = ['x']", r"unknown key 'exlude' in \[tool\.migrate-360learning\]", id="top"),
        pytest.param(
            "[tool.migrate-360learning.helper-env]\nclient_id = 'X'",
            r"unknown key 'client_id' in \[tool\.migrate-360learning\.helper-env\]",
            id="helper-env-key",
        ),
        pytest.param(
            "[tool.migrate-360learning.wrappers]\n'a.stats' = 'getStats'",
            r"a\.stats .*'getStats' is not a v1 endpoint \(one of getUserCourseStats, ",
            id="wrapper-operation",
        ),
        pytest.param(
            "[tool.migrate-360learning.wrappers]\n'a stats' = 'getCourseStats'",
            r"'a stats' in \[tool\.migrate-360learning\.wrappers\] is not a qualified name",
            id="wrapper-name",
        ),
        pytest.param(
            "[tool.migrate-360learning.wrappers]\na.stats = 'getCourseStats'",
            r'quote a qualified name: "a\.…"',
            id="wrapper-unquoted",
        ),
        pytest.param("exclude = 'vendor/'", r"exclude must be a list of non-empty strings", id="exclude-str"),
        pytest.param("hosts = ['ok', 3]", r"hosts must be a list of non-empty strings", id="hosts-int"),
        pytest.param(
            "helper-module = 'helpers/'", r"helper-module must be the path of a \.py file", id="helper"
        ),
        pytest.param(
            "[tool.migrate-360learning.helper-env]\nclient-id = 'MY-ID'",
            r"client-id in \[tool\.migrate-360learning\.helper-env\] must be an environment variable name",
            id="env-name",
        ),
        pytest.param(
            "wrappers = 3", r"\[tool\.migrate-360learning\.wrappers\] must be a table", id="wrappers"
        ),
        pytest.param("exclude = [", r"not valid TOML", id="toml"),
    ],
)
def test_bad_settings_are_errors_that_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    text = table if table.startswith("[") else f"[tool.migrate-360learning]\n{table}"
    pyproject = write(tmp_path / "pyproject.toml", text + "\n")
    with pytest.raises(ConfigError, match=message):
        load(pyproject)
    write(tmp_path / "app.py", SITE)
    result = invoke("check", str(tmp_path), "--jobs", "1")
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr
    assert "Traceback" not in result.output


def test_every_v1_operation_is_accepted_as_a_wrapper(tmp_path: Path) -> None:
    lines = "".join(f"'pkg.{name}' = '{name}'\n" for name in ENDPOINTS)
    pyproject = write(tmp_path / "pyproject.toml", f"[tool.migrate-360learning.wrappers]\n{lines}")
    assert load(pyproject).wrappers == tuple((f"pkg.{name}", name) for name in ENDPOINTS)


def test_flags_win_and_list_flags_extend_the_file(tmp_path: Path) -> None:
    settings = load(write(tmp_path / "pyproject.toml", FULL))
    paths = (tmp_path,)
    merged = options_for(
        paths,
        settings=settings,
        helper_module=Path("elsewhere.py"),
        exclude=("tests/",),
        include=("scripts/",),
        hosts=("lms.acme.example", "staging.acme.example"),
    )
    assert merged.helper_module == Path("elsewhere.py")
    # The flags' patterns are relative to each PATH, the file's to its directory: both apply.
    assert merged.exclude == ("tests/",)
    assert merged.include == ("scripts/",)
    assert merged.anchored == Anchored(tmp_path, ("src/",), ("vendor/", "legacy_*.py"))
    assert merged.hosts == ("lms.acme.example", "staging.acme.example")
    assert merged.wrappers == settings.wrappers
    assert merged.helper_env == settings.helper_env
    assert options_for(paths, settings=settings).helper_module == tmp_path / "src" / "acme" / "l360.py"


def test_the_file_steers_a_real_run(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """\
        [tool.migrate-360learning]
        exclude = ["vendor/"]
        helper-module = "lib/l360.py"
        [tool.migrate-360learning.helper-env]
        client-id = "ACME_L360_ID"
        """,
    )
    write(tmp_path / "app" / "stats.py", SITE)
    write(tmp_path / "vendor" / "stats.py", SITE)
    write(tmp_path / "lib" / "__init__.py", "")
    result = invoke("apply", str(tmp_path), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vendor" / "stats.py").read_text(encoding="utf-8") == SITE
    assert "from lib import l360" in (tmp_path / "app" / "stats.py").read_text(encoding="utf-8")
    helper = (tmp_path / "lib" / "l360.py").read_text(encoding="utf-8")
    assert 'ENV_CLIENT_ID = "ACME_L360_ID"' in helper
    # The command line wins: --exclude adds to the file's list.
    write(tmp_path / "other" / "stats.py", SITE)
    assert invoke("check", str(tmp_path), "--jobs", "1", "--exclude", "other/").exit_code == 0
    assert invoke("check", str(tmp_path), "--jobs", "1").exit_code == 1


# -- the helper's environment variables -------------------------------------------------------------------


def import_file(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ENV = (
    ("ENV_CLIENT_ID", "ACME_L360_ID"),
    ("ENV_CLIENT_SECRET", "ACME_L360_SECRET"),
    ("ENV_COMPANY_ID", "ACME_L360_COMPANY"),
    ("ENV_USER_CACHE", "ACME_L360_CACHE"),
    ("ENV_USER_CACHE_TTL", "ACME_L360_CACHE_TTL"),
    ("ENV_TIMEOUT", "ACME_L360_TIMEOUT"),
    ("ENV_MAX_RETRY_TIME", "ACME_L360_MAX_RETRY_TIME"),
    ("ENV_ALLOW_HTTP", "ACME_L360_ALLOW_HTTP"),
)
#: The names the shipped helper reads (README, "The helper module").
DEFAULT_ENV = (
    ("ENV_CLIENT_ID", "LEARNING360_CLIENT_ID"),
    ("ENV_CLIENT_SECRET", "LEARNING360_CLIENT_SECRET"),
    ("ENV_COMPANY_ID", "LEARNING360_COMPANY_ID"),
    ("ENV_USER_CACHE", "LEARNING360_USER_CACHE"),
    ("ENV_USER_CACHE_TTL", "LEARNING360_USER_CACHE_TTL"),
    ("ENV_TIMEOUT", "LEARNING360_TIMEOUT"),
    ("ENV_MAX_RETRY_TIME", "LEARNING360_MAX_RETRY_TIME"),
    ("ENV_ALLOW_HTTP", "LEARNING360_ALLOW_HTTP"),
)


def test_generated_helper_reads_the_configured_names(tmp_path: Path) -> None:
    path = tmp_path / "l360.py"
    outcome = helper_outcome(path, display_path="l360.py", module="l360", write=True, env=ENV)
    assert outcome.written and outcome.error is None
    helper = import_file(path)
    assert [(constant, getattr(helper, constant)) for constant, _ in ENV] == list(ENV)
    text = path.read_text(encoding="utf-8")
    assert "LEARNING360_CLIENT_ID" not in text
    assert "``ACME_L360_ID``" in text
    # Nothing else differs from the shipped helper, but the hash of its code in its first line.
    body = path.read_bytes().partition(b"\n")[2]
    assert with_env_names(body, DEFAULT_ENV) == helper_source().partition(b"\n")[2]
    assert helper_source(DEFAULT_ENV) == helper_source()


def test_generated_helper_authenticates_with_the_configured_variables(
    tmp_path: Path, fake360: Fake360
) -> None:
    path = tmp_path / "l360.py"
    helper_outcome(path, display_path="l360.py", module="l360", write=True, env=ENV)
    program = (
        "import l360\n"
        f"print(len(l360.list_course_stats({fake360.url!r}, course_id={dataset.BIG_COURSE_ID!r})))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "ACME_L360_ID": dataset.CLIENT_ID,
        "ACME_L360_SECRET": dataset.CLIENT_SECRET,
        "ACME_L360_CACHE": str(tmp_path / "users.sqlite3"),
    }
    done = subprocess.run(
        [sys.executable, "-c", program], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 500
    default_names = {"PATH": "/usr/bin:/bin", **fake360.v2_env(tmp_path / "users.sqlite3")}
    refused = subprocess.run(
        [sys.executable, "-c", program],
        cwd=tmp_path,
        env=default_names,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode != 0
    assert "set ACME_L360_ID and ACME_L360_SECRET" in refused.stderr


def test_a_helper_without_the_line_fails_loudly() -> None:
    with pytest.raises(HelperSourceError, match=r'no line ENV_CLIENT_ID = "…"'):
        with_env_names(b'ENV_CLIENT_ID = os.environ["X"]\n', [("ENV_CLIENT_ID", "ACME")])
    with pytest.raises(HelperSourceError, match="not an environment variable name"):
        with_env_names(helper_source(), [("ENV_CLIENT_ID", 'X" + evil + "')])


def test_helper_env_reaches_the_helper_of_a_run(tmp_path: Path) -> None:
    write(tmp_path / "app.py", SITE)
    result = runner.run(RunOptions(paths=(tmp_path,), jobs=1, helper_env=ENV[:1]))
    assert result.helper is not None
    assert b'ENV_CLIENT_ID = "ACME_L360_ID"' in result.helper.content
    assert b'ENV_CLIENT_SECRET = "LEARNING360_CLIENT_SECRET"' in result.helper.content


def readme_section(title: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end]


def test_the_readme_example_is_a_valid_configuration(tmp_path: Path) -> None:
    section = readme_section("Configuration")
    example = section.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = load(write(tmp_path / "pyproject.toml", example))
    assert settings.helper_module == tmp_path / "src" / "acme" / "learning360_v2.py"
    assert {operation for _, operation in settings.wrappers} <= set(ENDPOINTS)
    assert dict(settings.helper_env)["ENV_CLIENT_ID"] == "ACME_L360_CLIENT_ID"
    for key in config.KEYS | set(config.HELPER_ENV_CONSTANTS):
        assert f"`{key}`" in section
