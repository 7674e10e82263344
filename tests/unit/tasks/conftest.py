"""Fixtures of the task-body tests."""

from tests.unit.tasks.support import task_context, variables  # noqa: F401 - fixtures
