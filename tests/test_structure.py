"""The shape that lets kinds of activity come and go as plug-ins: core code names
none of them, and feature packages reach shared services through one module."""
import ast
import re

from conftest import ROOT

from facilitator import plugins

PACKAGE = ROOT / "facilitator"
# Core: everything but the kind packages (and the pairing engine, which knows no kinds).
KIND_PACKAGES = {name.rsplit(".", 1)[1] for name in plugins.PACKAGES}
CORE = [p for p in PACKAGE.rglob("*.py")
        if p.relative_to(PACKAGE).parts[0] not in KIND_PACKAGES | {"pairing"}]
CORE_FRONT = [*(ROOT / "static" / "js").glob("*.js"), *(ROOT / "templates").glob("*.html")]


# Kind names that are also words of the protocol (an ack's "message", Socket.IO's
# "connect" event): for these, only a comparison or pairing with a kind counts.
WORDS = {"message", "connect"}


def _naming(names) -> re.Pattern:
    words = "|".join(map(re.escape, sorted(set(names) & WORDS)))
    others = "|".join(map(re.escape, sorted(set(names) - WORDS)))
    return re.compile(rf"""["'`]({others})["'`]|kind\W{{1,8}}["'`]({words})["'`]""")


def test_core_names_no_kind():
    """A kind is added or removed without touching core: no core file names one."""
    naming = _naming(plugins.load())
    found = {str(p.relative_to(ROOT)): sorted({a or b for a, b in naming.findall(p.read_text())})
             for p in CORE + CORE_FRONT}
    assert {path: kinds for path, kinds in found.items() if kinds} == {}


def test_core_links_to_no_kind_package():
    """Nor does it reach a kind's pages or files by its package's name."""
    endpoint = re.compile(r"""["'](%s)\.\w""" % "|".join(sorted(KIND_PACKAGES)))
    found = {str(p.relative_to(ROOT)): endpoint.findall(p.read_text()) for p in CORE + CORE_FRONT}
    assert {path: names for path, names in found.items() if names} == {}


def test_feature_packages_import_no_names_from_the_package_root():
    """Shared services come from facilitator.extensions; `from .. import x` brings in
    modules only."""
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {p.name for p in PACKAGE.iterdir()
                                                         if p.is_dir()}
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        depth = len(path.relative_to(PACKAGE).parts) - 1  # 0: a module of the root
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and depth and node.level == depth + 1 \
                    and node.module is None:
                wrong += [f"{path.relative_to(ROOT)}: {a.name}" for a in node.names
                          if a.name not in modules]
    assert wrong == []


def test_the_registration_list_is_the_only_place_kinds_are_listed():
    text = (PACKAGE / "plugins.py").read_text()
    assert all(f'"{package}"' in text for package in plugins.PACKAGES)
