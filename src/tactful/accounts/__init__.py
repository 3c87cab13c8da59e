"""Agents (the desk's users), their roles and their teams."""
