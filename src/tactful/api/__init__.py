"""The REST API (Django Ninja, OpenAPI at /api/v1/openapi.json) and its API tokens."""
