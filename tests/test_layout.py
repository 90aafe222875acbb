"""The layout's rules, read from the source: which part of the app may import which.

See README.md, section Layout, and the docstring of each package in app/services/.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"
SERVICES = APP / "services"
BLUEPRINTS = ("admin", "auth", "coordinate", "learn", "public")

# Which domain may import which. A new edge is a design decision: add it here (and to the package's
# docstring) only if the graph stays without cycles.
ALLOWED_DOMAIN_IMPORTS: dict[str, set[str]] = {
    "infra": set(),
    "organisations": {"infra"},
    "learning": {"infra", "certificates", "statistics"},
    "certificates": {"infra"},
    "content": {"infra", "learning"},
    "accounts": {"infra", "learning", "certificates"},  # a pupil named by the teacher: the certificate follows
    "statistics": {"infra", "certificates"},
    "cohorts": {"infra", "accounts", "content", "learning", "certificates"},
    "platform": {"infra", "organisations", "statistics", "certificates"},
    "directory": {"infra", "organisations", "content", "platform"},
    "evaluation": {"infra", "learning", "statistics", "content", "organisations", "platform"},
    "demo": {"infra", "accounts", "organisations", "content", "learning", "certificates", "cohorts",
             "statistics", "directory", "platform"},
}
# Service modules that may import Flask itself (never request globals): hooks into responses.
FLASK_ALLOWED = {"app.services.infra.memory"}


@dataclass(frozen=True)
class Import:
    source: str  # dotted module that imports
    target: str  # dotted module imported from
    names: tuple[str, ...]
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend(Import(module, alias.name, (), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([target] if target else []))
            found.append(Import(module, target, tuple(a.name for a in node.names), node.lineno))
    return found


def _all_imports(folder: Path) -> list[Import]:
    return [imp for path in sorted(folder.rglob("*.py")) for imp in _imports(path)]


def _domain(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["app", "services"]:
        return parts[2]
    return None


def _where(imp: Import) -> str:
    return f"{imp.source}:{imp.line} imports {imp.target} {list(imp.names)}"


def test_every_domain_package_says_what_it_owns():
    for package in sorted(p for p in SERVICES.iterdir() if (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text(encoding="utf-8")))
        assert doc and ("import" in doc), f"{package.name}/__init__.py must say what it owns and may import"
        assert package.name in ALLOWED_DOMAIN_IMPORTS, f"new domain {package.name}: add it to this test"


def _service_layer_breaches(imports: list[Import]) -> list[str]:
    return [_where(imp) for imp in imports
            if imp.target.split(".")[:2] in [["app", b] for b in (*BLUEPRINTS, "web", "commands")]
            or (imp.target.split(".")[0] in ("flask", "flask_login", "flask_wtf")
                and imp.source not in FLASK_ALLOWED)]


def _undeclared_domain_edges(imports: list[Import]) -> list[str]:
    bad = []
    for imp in imports:
        source, target = _domain(imp.source), _domain(imp.target)
        if target is None and imp.target == "app.services":  # `from app.services import demo`
            target = imp.names[0] if imp.names else None
        if source and target and source != target and target not in ALLOWED_DOMAIN_IMPORTS.get(source, set()):
            bad.append(_where(imp))
    return bad


def test_services_never_import_blueprints_the_web_layer_commands_or_flask():
    assert _service_layer_breaches(_all_imports(SERVICES)) == []


def test_domains_import_each_other_only_along_declared_edges():
    assert _undeclared_domain_edges(_all_imports(SERVICES)) == []


def test_declared_domain_edges_form_no_cycle():
    seen: dict[str, str] = {}

    def visit(node: str, path: tuple[str, ...]) -> None:
        if seen.get(node) == "done":
            return
        assert node not in path, f"cycle: {' -> '.join((*path, node))}"
        for nxt in ALLOWED_DOMAIN_IMPORTS.get(node, set()):
            visit(nxt, (*path, node))
        seen[node] = "done"

    for domain in ALLOWED_DOMAIN_IMPORTS:
        visit(domain, ())


def test_other_domains_are_used_only_through_public_names():
    bad = []
    for folder in (SERVICES, *[APP / b for b in BLUEPRINTS], APP / "web", APP / "commands"):
        for imp in _all_imports(folder):
            target_domain = _domain(imp.target)
            if target_domain is None or _domain(imp.source) == target_domain:
                continue
            private = [n for n in imp.names if n.startswith("_")]
            private += [p for p in imp.target.split(".") if p.startswith("_") and p != "__init__"]
            if private:
                bad.append(_where(imp))
    assert bad == []


def _blueprint(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) >= 2 and parts[0] == "app" and parts[1] in BLUEPRINTS else None


def _cross_blueprint_imports(imports: list[Import]) -> list[str]:
    """Imports from one blueprint into another: what two blueprints share lives in app/web (or app/forms.py)."""
    return [_where(imp) for imp in imports
            if (source := _blueprint(imp.source)) and (target := _blueprint(imp.target)) and source != target]


def test_no_blueprint_imports_another():
    imports = [imp for blueprint in BLUEPRINTS for imp in _all_imports(APP / blueprint)]
    assert _cross_blueprint_imports(imports) == []


def test_the_checks_catch_what_they_are_meant_to():
    """Fed made-up imports, each rule reports them (so an empty answer above means something)."""
    fake = [Import("app.services.learning.fake", "app.learn.views", ("lesson",), 1),
            Import("app.services.learning.fake", "flask", ("request",), 2),
            Import("app.services.learning.fake", "app.services.cohorts.cohorts", ("attend",), 3)]
    assert len(_service_layer_breaches(fake)) == 2
    assert _undeclared_domain_edges(fake) == [_where(fake[2])]
    crossing = [Import("app.coordinate.present", "app.learn.views", ("NATIONAL_PORTAL",), 1),
                Import("app.admin.certificates", "app.coordinate", ("bp",), 2),
                Import("app.learn.views", "app.learn.forms", ("ReflectionForm",), 3),
                Import("app.learn.views", "app.web.pdf", ("pdf_response",), 4)]
    assert _cross_blueprint_imports(crossing) == [_where(crossing[0]), _where(crossing[1])]


def test_template_filters_are_registered_by_create_app_not_by_a_blueprint():
    """A filter one blueprint registered as a side effect would vanish for the others' pages and mails."""
    bad = []
    for blueprint in BLUEPRINTS:
        for path in sorted((APP / blueprint).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            for needle in ("record_once(", "app_template_filter", "app_template_global", "app_context_processor"):
                if needle in text:
                    bad.append(f"{path.relative_to(APP.parent)}: {needle}")
    assert bad == []
