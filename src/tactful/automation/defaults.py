"""The rules every desk starts with, as data (editable and disableable by leads and admins).

The 0002 migration installs them on a new database; ``services.install_default_rules`` puts
back any that are missing (after a flush, or a rule deleted by mistake).

- *Protect agents*: an abusive or threatening customer goes to a lead of the team, at high
  priority, and the leads are told (the teammate protection promise), so a team can change
  how it keeps it (another lead, a senior agent).
- *Angry and our fault*: anger or frustration at intensity ≥ 0.7 when the company may be at
  fault: high priority and the ``escalation`` tag.
- *Dead end*: the coach sees no way forward in the thread: tag ``dead-end`` and tell a lead,
  who can close it respectfully or take it over.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext, gettext_noop

#: The shipped rules' names as stored (English), marked for translation: the pages and the
#: timeline show them in the reader's language (:func:`rule_label`).
DEFAULT_RULE_NAMES = (
    gettext_noop("Protect agents"),
    gettext_noop("Angry and our fault"),
    gettext_noop("Dead end"),
)


def rule_label(name: str, *, shared: bool = True) -> str:
    """A rule's name for display: a shipped rule's in the active language, others as written.

    Only a shared rule (no team) with a shipped name is translated: a team that named its
    own rule "Dead end" keeps its words.
    """
    return gettext(name) if shared and name in DEFAULT_RULE_NAMES else name


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
