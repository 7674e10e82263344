"""Helpers shared by several test suites (plain modules, not conftests: import them by name)."""
