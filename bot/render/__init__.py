"""Renderers: pure functions from rows to Block Kit dicts. They never touch the database."""
