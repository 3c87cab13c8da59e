"""The shipped default rules, as data: the 0002 migration installs them, and
``services.install_default_rules`` restores any that are missing.

Kept beside the migrations (not in the models) so the migration reads a fixed list.
"""

from __future__ import annotations

from typing import Any

DEFAULT_RULES: list[dict[str, Any]] = [
    {
        "name": "Protect agents",
        "order": 10,
        "trigger": "analysed",
        "conditions": {"hostile": True},
        "actions": [
            {"type": "set_priority", "priority": 3, "raise_only": True},
            {"type": "assign", "to": "lead"},
            {"type": "notify_leads", "text": ""},
        ],
    },
    {
        "name": "Angry and our fault",
        "order": 20,
        "trigger": "analysed",
        "conditions": {
            "emotion_in": ["anger", "frustration"],
            "emotion_min_intensity": 0.7,
            "company_fault": True,
        },
        "actions": [
            {"type": "set_priority", "priority": 3, "raise_only": True},
            {"type": "add_tag", "tag": "escalation"},
        ],
    },
    {
        "name": "Dead end",
        "order": 30,
        "trigger": "analysed",
        "conditions": {"dead_end": True},
        "actions": [
            {"type": "add_tag", "tag": "dead-end"},
            {"type": "notify_leads", "text": ""},
        ],
    },
]
