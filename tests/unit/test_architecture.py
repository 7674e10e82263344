"""The package's house rule (docs/architecture.md): each folder one job, imports point down, no circle; Airflow's task
machinery only in ``tasks/``. Read from the code's own imports (every ``import``, module level or not)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "plugins" / "zoom_archiver"

#: The floors, from the ground up. A room imports only rooms of lower floors (and its own folder's modules).
FLOORS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "retries", "redaction", "parallel", "model", "names"}),
    frozenset({"keys", "dates"}),
    frozenset({"ledger", "settings"}),
    frozenset({"zoom", "s3"}),
    frozenset({"hooks", "notifications", "state"}),
    frozenset({"discover", "archive", "publish"}),
    frozenset({"audit", "reclaim", "operators"}),
    frozenset({"tasks", "webhook", "page"}),
    frozenset({"__init__"}),
)
FLOOR_OF = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}
#: What only ``tasks/`` may import: Airflow's task machinery (context, XComs, task exceptions, run configuration).
TASK_MACHINERY = ("airflow.sdk.exceptions", "airflow.sdk.execution_time")
TASK_MACHINERY_NAMES = {"get_current_context", "conf", "AirflowSkipException", "AirflowFailException"}


def _modules() -> dict[str, ast.Module]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(PACKAGE).with_suffix("").parts)
        out[name] = ast.parse(path.read_text(), str(path))
    return out


def _imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            found.extend((a.name, []) for a in node.names)
    return found


def _internal(module: str, names: list[str]) -> list[str]:
    """The package modules an import names (``from zoom_archiver import ledger`` names ``ledger``)."""
    if module == "zoom_archiver":
        return names
    if module.startswith("zoom_archiver."):
        return [module.removeprefix("zoom_archiver.")]
    return []


def _room(module: str) -> str:
    return module.split(".")[0]


MODULES = _modules()
EDGES = {
    name: {target for module, names in _imports(tree) for target in _internal(module, names)}
    for name, tree in MODULES.items()
}


def test_every_room_has_a_floor():
    assert {_room(m) for m in MODULES} - set(FLOOR_OF) == set()


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module):
    here = _room(module)
    wrong = {target for target in EDGES[module] if _room(target) != here and FLOOR_OF[_room(target)] >= FLOOR_OF[here]}
    assert wrong == set(), f"{module} imports {sorted(wrong)} on its own floor or above"


def test_no_circle():
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for target in EDGES.get(node, ()):
            target = target if target in EDGES else f"{target}.__init__"
            if state.get(target) == 1:
                pytest.fail("import circle: " + " -> ".join([*path, node, target]))
            if target in EDGES and not state.get(target):
                visit(target, [*path, node])
        state[node] = 2

    for name in MODULES:
        if not state.get(name):
            visit(name, [])


def test_floors_are_at_most_nine():
    assert len(FLOORS) <= 9


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _room(m) != "tasks"))
def test_only_tasks_import_airflow_task_machinery(module):
    used = [
        (source, names)
        for source, names in _imports(MODULES[module])
        if source.startswith(TASK_MACHINERY) or (source.startswith("airflow") and TASK_MACHINERY_NAMES & set(names))
    ]
    assert used == [], f"{module} imports Airflow's task machinery: {used}"
