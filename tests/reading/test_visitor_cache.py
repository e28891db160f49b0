"""The cache of LibCST's introspection of visitors (``codemods.reading.visitor_cache``) is in place for
LibCST's matchers whenever they are loaded: the scope-based removal of imports loads them late, and a
matcher-decoratable visitor introspected on each instance costs tens of milliseconds per module."""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = textwrap.dedent(
    """
    import sys
    import libcst as cst
    from codemods.reading import visitor_cache
    from codemods.transform.imports import remove_unused

    assert "libcst.matchers._visitors" not in sys.modules, "the matchers load only when needed"
    # ``requests`` is spelled in a string too: LibCST's scope analysis, and so its matchers, decide.
    module = cst.parse_module("import requests\\n\\nNAME = 'requests'\\n")
    out = remove_unused(module, [("requests", None, None)])
    matchers = sys.modules["libcst.matchers._visitors"]
    wrapped = [
        getattr(getattr(matchers, name), visitor_cache._WRAPPED, False)
        for name in visitor_cache._MATCHER_GATHERERS
    ]
    print(out.code == "\\nNAME = 'requests'\\n", wrapped)
    """
)


def test_the_matchers_loaded_for_the_removal_of_imports_have_their_introspection_cached() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "[True,", "True,", "True]"]
