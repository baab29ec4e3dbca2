"""The kinds of activity this app offers: one line each.

Adding a kind is its package plus a line here; removing it is deleting both.
Each package's `__init__.py` defines its `Kind` subclasses (see hookspecs) and
lists them in `KINDS`; importing it registers its events.
"""
import importlib

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
                KINDS[kind.name] = kind
    return KINDS


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
    seen, steps = set(), []
    for kind in load().values():
        for step in kind.migrations:
            if step.name not in seen:
                seen.add(step.name)
                steps.append(step)
    return steps


def owned() -> list[tuple[str, str]]:
    """Every kind's (table, condition), each table once, children before parents."""
    seen, tables = set(), []
    for kind in load().values():
        for table, condition in kind.owned:
            if table not in seen:
                seen.add(table)
                tables.append((table, condition))
    return tables


def blueprints() -> list:
    """Each package's blueprint (pages, settings form, JS), once."""
    out = []
    for kind in load().values():
        if kind.blueprint is not None and kind.blueprint not in out:
            out.append(kind.blueprint)
    return out


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
