"""No import circle in keras_vae, counting imports inside functions too (issue 16, item 2).

Each import names a module; ``from keras_vae.x import y`` counts as importing
``keras_vae.x.y`` when that is a module, else ``keras_vae.x``. A module's implicit import
of its own parent package is not counted (Python runs it, but it is not a design choice).
"""

import ast
from pathlib import Path

import keras_vae

ROOT = Path(keras_vae.__file__).resolve().parent


def module_names():
    names = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def imports_of(name, path, modules):
    out = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:
                target = target.rpartition(".")[0]
            if target and target != name and not name.startswith(target + "."):
                out.add(target)
    return out


def test_no_import_cycles():
    modules = module_names()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    cycles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == [], "\n".join(" -> ".join(c) for c in cycles)


def test_training_does_not_import_the_zoo():
    modules = module_names()
    for name in ("keras_vae.training", "keras_vae.cards", "keras_vae.evaluation"):
        assert not any(t.startswith("keras_vae.zoo") for t in imports_of(name, modules[name], modules)), name
