"""The package's import structure: validating a recipe stays torch-free, and no module imports itself
through others (an import circle), counting function-local imports too."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "vertune"
ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules a module imports, at any level, except under `if TYPE_CHECKING:`."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif node.module in modules:
                    found.add(node.module)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def import_graph() -> dict[str, set[str]]:
    files = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    modules = set(files)
    return {
        name: imported_modules(ast.parse(path.read_text(encoding="utf-8")), modules) - {name}
        for name, path in files.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle (first module repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)) is not None:
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)) is not None:
            return cycle
    return None


def test_the_package_has_no_import_circles():
    cycle = find_cycle(import_graph())
    assert cycle is None, "import circle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_reports_a_circle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_type_checking_imports_are_not_edges():
    tree = ast.parse(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import vertune.b\n"
        "def f():\n    from vertune import c\n"
    )
    assert imported_modules(tree, {"vertune.b", "vertune.c"}) == {"vertune.c"}


def test_validating_a_recipe_imports_neither_torch_nor_transformers():
    code = (
        "import sys\n"
        "from vertune.recipe import load_recipe\n"
        "from vertune.tasks import task_info\n"
        "from vertune.train.search_space import default_space\n"
        "recipe = load_recipe(sys.argv[1], ['method.name=lora'])\n"
        "assert task_info(recipe.task, recipe.data).default_metric == 'macro_f1'\n"
        "assert 'method.lora.r' in default_space(recipe)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))\n"
    )
    recipe = ROOT / "examples" / "drug_reviews" / "recipe.yaml"
    done = subprocess.run(
        [sys.executable, "-c", code, str(recipe)], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_importing_the_recipe_and_the_cli_imports_no_torch():
    """Every verb starts by importing the CLI and the api, and every recipe check the recipe module: none of
    them may pull in torch (seconds) before a verb needs it."""
    code = (
        "import sys\n"
        "heavy = ('torch', 'transformers', 'peft', 'numpy', 'tokenizers', 'safetensors')\n"
        "import vertune.recipe\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "import vertune.cli, vertune.api\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == ["[]", "[]"], done.stdout + done.stderr


def loaded_after(modules: str, tasks: tuple[str, ...], heavy: tuple[str, ...]) -> str:
    """Which of `heavy` a fresh interpreter holds after importing `modules` and building `tasks`."""
    code = (
        "import sys\n"
        f"import {modules}\n"
        "from vertune.tasks import get_task\n"
        f"for name in {tasks!r}:\n"
        "    get_task(name, None)\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_the_predict_path_imports_no_training_tracking_or_report_library():
    """`vertune predict` starts in seconds: the CLI, the api and the predictor with every task import none of
    the libraries only training, reports, tracking, export or the data tools need."""
    modules = "vertune.cli, vertune.api, vertune.models.predictor, vertune.stages.predict"
    tasks = ("classification", "pair", "regression", "multilabel", "ner", "embedding")
    heavy = ("sklearn", "scipy", "pandas", "matplotlib", "optuna", "mlflow", "trl", "setfit", "captum")
    heavy += ("onnx", "onnxruntime", "peft", "cleanlab", "fastapi", "sentence_transformers", "seqeval")
    assert loaded_after(modules, tasks, heavy) == "[]"


def test_the_onnx_runtime_and_the_text_tasks_import_neither_torch_nor_transformers():
    """`vertune predict RUN --backend onnx` on a text task starts without torch (seconds of start-up)."""
    modules = "vertune.cli, vertune.deploy.runtimes, vertune.models.tokenizer_json, vertune.stages.predict"
    tasks = ("classification", "pair", "regression", "multilabel")
    assert loaded_after(modules, tasks, ("torch", "transformers", "sklearn", "pandas")) == "[]"
