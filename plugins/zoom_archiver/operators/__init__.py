"""Operators of this package (the provider convention): the run report shown in the UI."""
