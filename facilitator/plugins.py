"""The kinds of activity this app offers: one line each.

Adding a kind is its package plus a line here; removing it is deleting both.
Each package's `__init__.py` defines its `Kind` subclasses (see hookspecs) and
lists them in `KINDS`; importing it registers its events.
"""
import functools
import importlib
import sys
from pathlib import Path

from .hookspecs import Kind
from .validation import invalid

PACKAGES = [
    "facilitator.message",
    "facilitator.connect",
    "facilitator.qa",
    "facilitator.prompts",
    "facilitator.dots",
    "facilitator.matrix",
    "facilitator.ranking",
    "facilitator.points",
]

KINDS: dict = {}  # name -> Kind, in the order of PACKAGES


def load() -> dict:
    """Import every package once; return the kinds by name."""
    if not KINDS:
        for package in PACKAGES:
            module = importlib.import_module(package)
            for kind in module.KINDS:
                if kind.name in KINDS:
                    raise RuntimeError(f"two kinds are called {kind.name!r}")
                KINDS[kind.name] = _with_own_files(kind)
    return KINDS


# A kind's files, found by its name in its package unless the class names others.
OWN_FILES = {"script": "static/{}.js", "style": "static/{}.css",
             "settings_template": "templates/{}/settings.html"}


def _package(cls) -> tuple[str, Path]:
    """The package a class is defined in: its name and folder."""
    package = sys.modules[cls.__module__].__package__
    return package, Path(sys.modules[package].__file__).parent


def _with_own_files(kind):
    """Give `kind` the files named after it in its package (see OWN_FILES) where the
    class itself does not say otherwise, and the blueprint that serves them: that
    of the package of the class its script comes from."""
    package, folder = _package(kind)
    declared = vars(kind)
    for attr, pattern in OWN_FILES.items():
        path = pattern.format(kind.name)
        if attr not in declared and (folder / path).is_file():
            setattr(kind, attr, path.split("/", 1)[1])
    if "blueprint" not in declared:
        source = next((c for c in kind.__mro__ if vars(c).get("script")), kind)
        package, folder = _package(source)
        if any((folder / d).is_dir() for d in ("static", "templates")):
            kind.blueprint = package_blueprint(package)
    return kind


def of(activity: dict):
    """The kind of a stored activity: one that is registered, or `Unavailable` for one
    of a kind this server no longer has (its package removed)."""
    return KINDS.get(activity["kind"]) or Unavailable


class Unavailable(Kind):
    """An activity of a kind no longer registered: every screen shows its title, and
    nothing can be sent to it."""

    label = "Kind no longer available"


def kind_of(name):
    """The kind called `name`, or an invalid-input problem."""
    kinds = load()
    if not isinstance(name, str) or name not in kinds:
        raise invalid("Unknown activity kind; choose one of: " + ", ".join(kinds) + ".",
                      "kind")
    return kinds[name]


def of_type(base) -> tuple[str, ...]:
    """The names of the kinds that are `base` or built on it."""
    return tuple(name for name, kind in load().items() if issubclass(kind, base))


def each_once(hook: str) -> list:
    """One of each kind's `hook` methods, each distinct implementation once (kinds
    built on one base share its timers, say)."""
    found = {}
    for kind in load().values():
        method = getattr(kind, hook)
        found.setdefault(getattr(method, "__func__", method), method)
    return list(found.values())


def migrations() -> list:
    """Every kind's table steps, each package's once, in order."""
    return _once((step.name, step) for kind in load().values() for step in kind.migrations)


def owned() -> list[tuple[str, str]]:
    """Every kind's (table, condition), each table once, children before parents."""
    return _once((table, (table, condition)) for kind in load().values()
                 for table, condition in kind.owned)


def _once(named) -> list:
    """The values of (name, value) pairs, each name once, in order; kinds built on one
    base share its steps and tables, but two different ones of one name are an error."""
    found = {}
    for name, value in named:
        if found.setdefault(name, value) != value:
            raise RuntimeError(f"two plug-ins declare {name!r} differently")
    return list(found.values())


def blueprints() -> list:
    """Each package's blueprint (pages, settings form, JS), once."""
    out = []
    for kind in load().values():
        if kind.blueprint is not None and kind.blueprint not in out:
            out.append(kind.blueprint)
    return out


@functools.cache
def package_blueprint(import_name: str):
    """A kind package's blueprint: its JS under /kinds/<package>/ and its templates."""
    from flask import Blueprint
    name = import_name.rsplit(".", 1)[-1]
    return Blueprint(name, import_name, static_folder="static",
                     static_url_path=f"/kinds/{name}", template_folder="templates")


def _url(kind, filename):
    from flask import url_for
    return url_for(f"{kind.blueprint.name}.static", filename=filename) if filename else None


def manifest() -> list[dict]:
    """What the screens learn of each kind: its name, label, the URL of its JS
    renderers (see static/js/kinds.js) and its CSV files (each at
    /control/<key>/activities/<id>/<name>.csv). Needs a request context."""
    return [{"name": kind.name, "label": kind.label, "description": kind.description,
             "script": _url(kind, kind.script),
             "exports": [{"name": e.name, "label": e.label} for e in kind.exports]}
            for kind in load().values()]


def stylesheets() -> list[str]:
    """The URL of each kind's stylesheet, each once."""
    return list(dict.fromkeys(_url(k, k.style) for k in load().values() if k.style))


def pages() -> list[tuple]:
    """The kinds' pages for the control screen (label, endpoint, hint), each once."""
    return list(dict.fromkeys(page for kind in load().values() for page in kind.pages))


def settings_templates() -> list[str]:
    """Each kind's settings form for the control screen, each template once."""
    return list(dict.fromkeys(k.settings_template for k in load().values()
                              if k.settings_template))
