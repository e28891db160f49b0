"""The repository index of URL constants: what it reads, what it keeps, and how the engine passes it on."""

from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest

from codemods.engine.indexing import build_index, module_name
from codemods.engine.options import RunOptions
from codemods.engine.runner import run
from codemods.reading.index import CODE, TEXT, RepositoryIndex, absolute_module
from codemods.reading.prefilter import may_contain_site
from codemods.results.findings import SourceResult
from codemods.transform import migrate as migrate_module
from codemods.transform.migrate import TransformOptions

API = "https://acme.360learning.com/api/v1"


def write(root: Path, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        paths.append(path)
    return paths


def index_of(root: Path, files: dict[str, str]) -> RepositoryIndex:
    paths = write(root, files)
    return build_index([(path, module_name(path, root)) for path in paths])


def text(value: str) -> tuple[tuple[str, str], ...]:
    return ((TEXT, value),)


# --- names ---------------------------------------------------------------------------------------------


def test_module_names(tmp_path: Path) -> None:
    assert module_name(tmp_path / "pkg" / "settings.py", tmp_path) == "pkg.settings"
    assert module_name(tmp_path / "pkg" / "__init__.py", tmp_path) == "pkg"
    assert module_name(tmp_path / "settings.py", tmp_path) == "settings"
    assert module_name(Path("/elsewhere/conf.py"), tmp_path) == "conf"


def test_module_names_include_the_packages_around_the_root(tmp_path: Path) -> None:
    write(tmp_path, {"app/__init__.py": "", "app/api/__init__.py": ""})
    root = tmp_path / "app" / "api"
    assert module_name(root / "settings.py", root) == "app.api.settings"
    assert module_name(root / "__init__.py", root) == "app.api"


def test_absolute_module() -> None:
    assert absolute_module("app.client", 0, "settings") == "settings"
    assert absolute_module("app.client", 1, "settings") == "app.settings"
    assert absolute_module("app.client", 1, None) == "app"
    assert absolute_module("app", 1, "settings", package=True) == "app.settings"
    assert absolute_module("app.sub.client", 2, "conf") == "app.conf"
    assert absolute_module("client", 1, None) is None
    assert absolute_module("client", 2, "conf") is None


# --- what a value becomes ------------------------------------------------------------------------------

CONSTRUCTS = {
    "plain": (f'X = "{API}"', text(API)),
    "annotated": (f'X: str = "{API}"', text(API)),
    "implicit concatenation": ('X = "https://acme.360learning.com" "/api/v1"', text(API)),
    "f-string": ('HOST = "acme"\nX = f"https://{HOST}.360learning.com/api/v1"', text(API)),
    "f-string !s": ('HOST = "acme"\nX = f"https://{HOST!s}.360learning.com/api/v1"', text(API)),
    "plus": ('HOST = "https://acme.360learning.com"\nX = HOST + "/api/" + "v1"', text(API)),
    "format positional": (
        'X = "https://{}.360learning.com/{}/v{}".format("acme", "api", "1")',
        text(API),
    ),
    "format keyword": ('X = "https://{t}.360learning.com/api/v1".format(t="acme")', text(API)),
    "format numbered": ('X = "https://{0}.360learning.com/api/v{1}".format("acme", "1")', text(API)),
    "percent tuple": ('X = "https://%s.360learning.com/%s/v1" % ("acme", "api")', text(API)),
    "percent dict": ('X = "https://%(t)s.360learning.com/api/v1%%" % {"t": "acme"}', text(API + "%")),
    "percent single": ('X = "https://%s.360learning.com/api/v1" % "acme"', text(API)),
    "unknown piece": (
        'X = f"https://{tenant()}.360learning.com/api/v1"',
        ((TEXT, "https://"), (CODE, "tenant()"), (TEXT, ".360learning.com/api/v1")),
    ),
    "environ get": (
        'import os\nX = os.environ.get("LMS", "https://acme.360learning.com") + "/api/v1"',
        ((CODE, "os.environ.get('LMS', 'https://acme.360learning.com')"), (TEXT, "/api/v1")),
    ),
    "getenv": (
        'import os\nX = os.getenv("LMS_API")\nY = X + "/api/v1"',
        ((CODE, "os.getenv('LMS_API')"), (TEXT, "/api/v1")),
    ),
    "class constant of the module": (
        'class C:\n    ROOT = "https://acme.360learning.com"\nX = C.ROOT + "/api/v1"',
        text(API),
    ),
    "imported under another name": (
        'import os.path as p\nX = p.join("a") + "https://acme.360learning.com/api/v1"',
        ((CODE, "p.join('a')"), (TEXT, API)),
    ),
    "format on an unknown template": (
        'import os\nX = (os.getenv("H") + "/api/v1/{}").format("x")',
        ((CODE, "os.getenv('H')"), (TEXT, "/api/v1/x")),
    ),
    "percent on an unknown template": (
        'import os\nX = (os.getenv("H") + "/api/v1/%s") % "x"',
        ((CODE, "os.getenv('H')"), (TEXT, "/api/v1/x")),
    ),
    "format spec makes the whole value code": (
        'N = 1\nX = f"https://acme.360learning.com/api/v{N:d}"',
        ((CODE, "f'https://acme.360learning.com/api/v{N:d}'"),),
    ),
    "repr conversion makes the whole value code": (
        'X = "https://acme.360learning.com/api/%r" % ("v1",)',
        ((CODE, "'https://acme.360learning.com/api/%r' % ('v1',)"),),
    ),
    "missing format argument makes the whole value code": (
        'X = "https://acme.360learning.com/api/{}/{}".format("v1")',
        ((CODE, "'https://acme.360learning.com/api/{}/{}'.format('v1')"),),
    ),
    **{
        f"{name} makes the whole value code": (f"X = {code}", ((CODE, code),))
        for name, code in [
            ("format **kwargs", "'https://acme.360learning.com/api/{v}'.format(**PARTS)"),
            ("format conversion", "'https://acme.360learning.com/api/{!r}'.format('v1')"),
            ("unbalanced braces", "'https://acme.360learning.com/api/{'.format('v1')"),
            ("unknown format field", "'https://acme.360learning.com/api/{v}'.format(w=1)"),
            ("percent starred", "'https://acme.360learning.com/api/%s' % (*PARTS,)"),
            ("percent key not a string", "'https://acme.360learning.com/api/%s' % {1: 'v1'}"),
            ("percent key missing", "'https://acme.360learning.com/api/%(v)s' % {'w': 'v1'}"),
            ("percent values missing", "'https://acme.360learning.com/%s/%s' % ('api',)"),
        ]
    },
}


@pytest.mark.parametrize("name", list(CONSTRUCTS))
def test_value_is_flattened(tmp_path: Path, name: str) -> None:
    source, expected = CONSTRUCTS[name]
    index = index_of(tmp_path, {"settings.py": source})
    last = "Y" if "Y =" in source else "X"
    assert index.lookup("settings", last) == expected


@pytest.mark.parametrize(
    "source",
    [
        pytest.param('X = "https://a.360learning.com/api/v1"\nX = "https://b.360learning.com"', id="twice"),
        pytest.param(
            'try:\n    from local import X\nexcept ImportError:\n    X = "https://a.360learning.com"',
            id="import fallback",
        ),
        pytest.param(
            'X = "https://a.360learning.com"\ndef set_host(h):\n    global X\n    X = h', id="global"
        ),
        pytest.param('X = "https://a.360learning.com"\nX += "/api/v1"', id="augmented"),
        pytest.param('X = "https://a.360learning.com"\nfor X in range(3):\n    pass', id="loop"),
        pytest.param('X, Y = "https://a.360learning.com", "api/v1"', id="unpacking"),
        pytest.param("X = 360\nURL = 'https://api/v1'", id="number"),
        pytest.param('X = {"url": "https://a.360learning.com/api/v1"}', id="dict"),
        pytest.param('X = ["https://a.360learning.com/api/v1"]', id="list"),
        pytest.param('X = b"https://a.360learning.com/api/v1"', id="bytes"),
        pytest.param('X = UNKNOWN\nY = "https://a.360learning.com"', id="unknown name"),
        pytest.param('X = "https://a.360learning.com"\nwith open("f") as X:\n    pass', id="with"),
        pytest.param('X = "https://a.360learning.com"\ndel X', id="del"),
        pytest.param(
            'X = "https://a.360learning.com"\ntry:\n    pass\nexcept OSError as X:\n    pass', id="except as"
        ),
        pytest.param('X = "https://a.360learning.com"\ndef X():\n    pass', id="function"),
        pytest.param('X = "https://a.360learning.com"\nimport X', id="import"),
        pytest.param('from .. import X\nY = "https://a.360learning.com"', id="import beyond the root"),
        pytest.param('from base import *\nY = X + "https://a.360learning.com"', id="star import"),
    ],
)
def test_value_not_indexed(tmp_path: Path, source: str) -> None:
    index = index_of(tmp_path, {"settings.py": source})
    assert index.lookup("settings", "X") is None


def test_the_name_of_an_ambiguous_constant_stays_code(tmp_path: Path) -> None:
    source = 'H = "https://a.360learning.com"\nH = "https://b.360learning.com"\nX = H + "/api/v1"'
    index = index_of(tmp_path, {"settings.py": source})
    assert index.lookup("settings", "X") == ((CODE, "H"), (TEXT, "/api/v1"))


def test_a_class_constant_hides_the_module_constant(tmp_path: Path) -> None:
    source = """
        ROOT = "https://acme.360learning.com"
        OTHER = "https://other.360learning.com"

        class Client:
            ROOT = ROOT + "/api/v1"
            OTHER = "a"
            OTHER = "b"
            URL = ROOT + "/courses"
            AMBIGUOUS = OTHER + "/courses"
    """
    index = index_of(tmp_path, {"client.py": source})
    assert index.lookup("client", "Client.URL") == text(API + "/courses")
    assert index.lookup("client", "Client.AMBIGUOUS") == ((CODE, "OTHER"), (TEXT, "/courses"))


def test_a_reference_cycle_ends(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"settings.py": 'A = B + "/api/v1"\nB = A + "/x"\nC = "360learning"'})
    assert index.lookup("settings", "C") == text("360learning")
    assert index.lookup("settings", "A") == ((CODE, "A"), (TEXT, "/x/api/v1"))


def test_a_chain_of_constants_is_followed(tmp_path: Path) -> None:
    lines = [f"C{i} = C{i + 1}" for i in range(20)] + ['C20 = "https://acme.360learning.com"']
    index = index_of(tmp_path, {"settings.py": "\n".join(lines) + '\nURL = C0 + "/api/v1"'})
    assert index.lookup("settings", "C0") == text("https://acme.360learning.com")
    assert index.lookup("settings", "URL") == text(API)


# --- what is kept --------------------------------------------------------------------------------------


def test_only_constants_about_the_api_are_kept(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "settings.py": """
                DOMAIN = "lms.acme.com"
                LMS_API = f"https://{DOMAIN}/api/v1"
                STATS = "/courses/{}/stats"
                LOG_FORMAT = "%(message)s"
                TIMEOUT = "30"
            """
        },
    )
    names = index.constants["settings"]
    assert dict(names) == {
        "DOMAIN": text("lms.acme.com"),
        "LMS_API": text("https://lms.acme.com/api/v1"),
        "STATS": text("/courses/{}/stats"),
    }


def test_files_that_do_not_mention_the_api_are_not_read(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "other.py": 'URL = "https://example.com/courses/stats"\n',
            "broken.py": "def (:\n",
            "settings.py": f'LMS_API = "{API}"\n',
        },
    )
    assert index.lookup("other", "URL") is None
    assert set(index.constants) == {"settings"}


def test_unparsable_relevant_file_is_left_out(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"broken.py": f'LMS_API = "{API}"\ndef (:\n'})
    assert index.constants == {}


# --- across modules ------------------------------------------------------------------------------------


def test_constants_imported_from_another_module_are_resolved(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            # No v1 word here: read only because settings.py uses it.
            "base.py": 'DOMAIN = "acme.360learning.com"\nSCHEME = "https"\nUNUSED = "x"\n',
            "settings.py": 'from base import DOMAIN, SCHEME as S\nBASE = f"{S}://{DOMAIN}"\n',
            "urls_config.py": 'from settings import BASE\nAPI = BASE + "/api/v1"\nSTATS = API + "/courses"\n',
        },
    )
    assert index.lookup("urls_config", "API") == text(API)
    assert index.lookup("urls_config", "STATS") == text(API + "/courses")
    assert index.lookup("urls_config", "BASE") == text("https://acme.360learning.com")
    assert index.lookup("settings", "BASE") == text("https://acme.360learning.com")
    assert index.lookup("base", "DOMAIN") == text("acme.360learning.com")
    assert index.lookup("base", "SCHEME") == text("https")
    assert index.lookup("base", "UNUSED") is None


def test_module_attributes_are_resolved(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "config.py": 'BASE_URL = "https://acme.360learning.com"\n',
            "pkg/__init__.py": "",
            "pkg/conf.py": 'ROOT = "https://acme.360learning.com"\n',
            "urls.py": """
                import config
                import pkg.conf
                from pkg import conf as c
                A = config.BASE_URL + "/api/v1"
                B = pkg.conf.ROOT + "/api/v1"
                C = c.ROOT + "/api/v1"
                D = config.MISSING + "/api/v1"
            """,
        },
    )
    assert index.lookup("urls", "A") == text(API)
    assert index.lookup("urls", "B") == text(API)
    assert index.lookup("urls", "C") == text(API)
    assert index.lookup("urls", "D") == ((CODE, "config.MISSING"), (TEXT, "/api/v1"))


def test_relative_imports_are_resolved(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "app/__init__.py": 'from .settings import LMS_API\nHOST = "acme.360learning.com"\n',
            "app/settings.py": 'from . import HOST\nLMS_API = f"https://{HOST}/api/v1"\n',
            "app/sub/__init__.py": "",
            "app/sub/urls.py": 'from .. import LMS_API\nSTATS = LMS_API + "/courses"\n',
        },
    )
    assert index.lookup("app.settings", "LMS_API") == text(API)
    assert index.lookup("app", "LMS_API") == text(API)
    assert index.lookup("app.sub.urls", "STATS") == text(API + "/courses")


def test_a_module_that_only_reexports_is_found(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "lms/__init__.py": "from lms.settings import LMS_API\n",
            "lms/settings.py": f'LMS_API = "{API}"\n',
            "unrelated.py": "LMS_API = 3\n",
        },
    )
    assert index.lookup("lms", "LMS_API") == text(API)
    assert index.lookup("unrelated", "LMS_API") is None


def test_every_dotted_suffix_is_a_key(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"src/app/settings.py": f'LMS_API = "{API}"\n'})
    for key in ("src.app.settings", "app.settings", "settings"):
        assert index.lookup(key, "LMS_API") == text(API)
    assert index.lookup("src.app", "LMS_API") is None


def test_a_key_claimed_by_two_files_is_dropped(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "a/settings.py": f'LMS_API = "{API}"\n',
            "b/settings.py": 'LMS_API = "https://other.360learning.com"\n',
            "client.py": 'from settings import LMS_API\nURL = LMS_API + "/courses"\n',
        },
    )
    assert index.lookup("a.settings", "LMS_API") == text(API)
    assert index.lookup("b.settings", "LMS_API") == text("https://other.360learning.com")
    assert index.lookup("settings", "LMS_API") is None
    assert index.lookup("client", "URL") == ((CODE, "LMS_API"), (TEXT, "/courses"))


def test_two_files_with_the_same_name_are_both_left_out(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = write(tmp_path / "one", {"settings.py": f'LMS_API = "{API}"\n'})[0]
    second = write(tmp_path / "two", {"settings.py": f'LMS_API = "{API}"\n'})[0]
    index = build_index([(first, "settings"), (second, "settings")])
    assert index.constants == {}


# --- classes -------------------------------------------------------------------------------------------


def test_class_constants(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "client.py": """
                HOST = "https://acme.360learning.com"

                class Client:
                    class Inner:
                        ROOT = "https://other.360learning.com"

                    ROOT = HOST + "/api/v1"
                    STATS = ROOT + "/courses/{}/stats/{}"
                    TIMEOUT = 10

                    def get(self):
                        LOCAL = "/api/v1/ignored"
            """,
            "v2.py": 'from client import Client\nURL = Client.ROOT + "/users"\n',
        },
    )
    assert index.lookup("client", "Client.ROOT") == text(API)
    assert index.lookup("client", "Client.STATS") == text(API + "/courses/{}/stats/{}")
    assert index.lookup("client", "Client.TIMEOUT") is None
    assert index.lookup("client", "LOCAL") is None
    assert index.lookup("client", "Client.Inner.ROOT") is None
    assert index.lookup("v2", "URL") == text(API + "/users")
    assert (b"ROOT", b"client") in index.needles()


def test_url_functions_are_kept_with_what_they_return(tmp_path: Path) -> None:
    index = index_of(
        tmp_path,
        {
            "app/settings.py": f'LMS_API = "{API}"\n',
            "app/urls.py": textwrap.dedent(
                '''\
                from app.settings import LMS_API


                def stats_url(course_id, email):
                    """One learner's statistics."""
                    return f"{LMS_API}/courses/{course_id}/stats/{email}"


                def busy_url(course_id):
                    url = LMS_API + "/courses/" + course_id
                    return url + "/stats"


                def users_url():
                    return LMS_API + "/users"
                '''
            ),
        },
    )
    assert index.url_function("app.urls", "stats_url") == (
        (TEXT, API + "/courses/"),
        (CODE, "course_id"),
        (TEXT, "/stats/"),
        (CODE, "email"),
    )
    assert index.url_function("urls", "stats_url") == index.url_function("app.urls", "stats_url")
    busy = index.url_function("urls", "busy_url")
    assert busy is not None and busy[0][0] == CODE and busy[0][1].startswith("def busy_url(course_id):")
    # No course-statistics words: not a URL function of ours.
    assert index.url_function("urls", "users_url") is None
    # A module that calls one of them is read by the transform.
    assert (b"stats_url", b"urls") in index.needles()
    assert may_contain_site(b"from app.urls import stats_url\n", index.needles())


# --- the index travels ---------------------------------------------------------------------------------


def test_index_pickles_and_names_its_needles(tmp_path: Path) -> None:
    index = index_of(tmp_path, {"app/settings.py": f'LMS_API = "{API}"\n'})
    assert pickle.loads(pickle.dumps(index)) == index
    assert index.needles() == frozenset({(b"LMS_API", b"settings")})
    assert RepositoryIndex().needles() == frozenset()
    unicode = RepositoryIndex({"réglages": {"URL_API": text(API)}, "conf": {"CHEMIN_DÉFAUT": text(API)}})
    assert unicode.needles() == frozenset({(b"URL_API", b""), (b"", b"conf")})
    assert may_contain_site(b"from .r\xe9glages import URL_API\n", unicode.needles())
    assert RepositoryIndex().lookup("settings", "LMS_API") is None


NEEDLES = frozenset({(b"LMS_API", b"settings")})


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param(b"from settings import LMS_API\nget(LMS_API)\n", True, id="from import"),
        pytest.param(b"import app.settings as s\nget(s.LMS_API)\n", True, id="module import"),
        pytest.param(b"from . import LMS_API\nget(LMS_API)\n", True, id="from package"),
        pytest.param(b"from .. import (LMS_API)\n", True, id="from grandparent"),
        pytest.param(b"LMS_API = 'https://example.com'\n", False, id="name only"),
        pytest.param(b"from .config import LMS_API\n", False, id="another module"),
        pytest.param(b"import settings\n", False, id="module only"),
        pytest.param(b"# from .pth files\nLMS_API = 1\n", False, id="not an import"),
    ],
)
def test_prefilter_lets_through_users_of_indexed_constants(source: bytes, expected: bool) -> None:
    assert may_contain_site(source, NEEDLES) is expected
    assert not may_contain_site(source)


def test_prefilter_path_words_still_suffice() -> None:
    assert may_contain_site(b'requests.get(f"{BASE}/courses/{c}/stats/{e}")\n', NEEDLES)


# --- the engine ----------------------------------------------------------------------------------------

REPO = {
    "settings.py": f"""
        LMS_API = "{API}"
        STATS_URL = LMS_API + "/courses/{{}}/stats/{{}}"
    """,
    "pkg/__init__.py": "",
    "pkg/client.py": """
        import requests
        from settings import LMS_API

        def stats(cid, email):
            return requests.get(f"{LMS_API}/courses/{cid}/stats/{email}").json()
    """,
    # No v1 path word: only the index lets it through the pre-filter.
    "report.py": """
        import requests
        from settings import STATS_URL

        def stats(cid, email):
            return requests.get(STATS_URL.format(cid, email)).json()
    """,
    # Names the constant but imports it from nowhere the index knows.
    "unrelated.py": "STATS_URL = 'https://example.com'\n",
}


def test_engine_passes_the_index_and_module_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, REPO)
    seen: dict[str, TransformOptions] = {}

    def recording(source: bytes, *, display_path: str, options: TransformOptions) -> SourceResult:
        seen[display_path] = options
        return SourceResult(source=source, findings=())

    monkeypatch.setattr(migrate_module, "migrate_source", recording)
    result = run(RunOptions(paths=(tmp_path,), jobs=1))
    assert set(seen) == {"settings.py", "pkg/client.py", "report.py"}
    assert {path: options.module for path, options in seen.items()} == {
        "settings.py": "settings",
        "pkg/client.py": "pkg.client",
        "report.py": "report",
    }
    index = seen["report.py"].index
    assert index is not None
    assert all(options.index is index for options in seen.values())
    assert index.lookup("settings", "STATS_URL") == text(API + "/courses/{}/stats/{}")
    assert index.lookup("report", "STATS_URL") == text(API + "/courses/{}/stats/{}")
    assert result.files_scanned == 5
    assert result.files_skipped_by_filter == 2


def test_workers_receive_the_index(tmp_path: Path) -> None:
    files = dict(REPO)
    files.update({f"plain{i}.py": "x = 1\n" for i in range(10)})
    write(tmp_path, files)
    result = run(RunOptions(paths=(tmp_path,), jobs=2))
    assert [o.display_path for o in result.outcomes] == ["pkg/client.py", "report.py", "settings.py"]
    assert all(o.error is None for o in result.outcomes)
    assert result.files_skipped_by_filter == 12


def test_held_code_is_cut_by_the_lines_python_counts_a_form_feed_included(tmp_path: Path) -> None:
    """A form feed or a vertical tab, which ``str.splitlines`` takes for a line end, is none to Python:
    held code is cut at the lines ``ast`` numbers, so it is the class itself."""
    cls = "class BaseClient:\n    def get(self, path):\n        return requests.get(API + path).json()\n"
    base = "import requests\n\x0c\nAPI = 'https://app.360learning.com'\n# page\x0bbreak\n\n\n" + cls
    index = index_of(tmp_path, {"lms/__init__.py": "", "lms/base.py": base})
    assert index.held_code["lms.base"]["BaseClient"].source == cls
