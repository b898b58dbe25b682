"""Counting engines. Each takes a Network and a RunContext and reports regions into it."""
