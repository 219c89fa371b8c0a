"""The layering rules, read from the source: plugins import only the public plugin API,
the core never imports a plugin, and no module of gansci imports itself back (counting
function-level and TYPE_CHECKING imports)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = sorted(ROOT.glob("plugins/*/gansci_*"))
#: what plugin code may import of gansci; their tests may also drive the user's face
PUBLIC = {"gansci.plugin"}
PUBLIC_IN_TESTS = PUBLIC | {"gansci", "gansci.cli", "gansci.registry"}


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, at any depth, relative ones resolved."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            # `from gansci import plugin` imports the module gansci.plugin
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
            found.append((node.lineno, base))
    return found


def gansci_module(name: str) -> str | None:
    """``name`` as a module file of the core package that exists, else None."""
    parts = name.split(".")
    while parts and parts[0] == "gansci":
        path = ROOT.joinpath(*parts)
        if path.with_suffix(".py").is_file() or (path / "__init__.py").is_file():
            return ".".join(parts)
        parts = parts[:-1]
    return None


def test_plugins_import_only_the_public_plugin_api():
    bad = []
    for package in PLUGIN_PACKAGES:
        for path in [*package.rglob("*.py"), *(package.parent / "tests").rglob("*.py")]:
            allowed = PUBLIC_IN_TESTS if "tests" in path.parts else PUBLIC
            for line, name in imports(path):
                module = gansci_module(name)
                if module and module not in allowed:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not bad, "plugins must import gansci.plugin only:\n" + "\n".join(sorted(set(bad)))


def test_plugins_never_import_each_other_and_the_core_no_plugin():
    names = {p.name for p in PLUGIN_PACKAGES}
    bad = []
    for package in PLUGIN_PACKAGES:
        for path in package.rglob("*.py"):
            for line, name in imports(path):
                top = name.split(".")[0]
                if top in names and top != package.name:
                    bad.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    for path in (ROOT / "gansci").rglob("*.py"):
        for line, name in imports(path):
            if name.split(".")[0] in names:
                bad.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles_in_the_core():
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "gansci").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        targets = {gansci_module(name) for _, name in imports(path)}
        graph[module] = {t for t in targets if t and t != module and t != "gansci"}
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles:\n" + "\n".join(cycles)
