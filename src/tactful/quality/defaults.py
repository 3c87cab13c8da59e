"""The scorecards every desk starts with, as data (leads edit them; shipped ones come back).

The 0002 migration installs them on a new database; ``services.install_default_scorecards``
puts back any that are missing (after a flush, or one deleted by mistake). Both follow the
review principles of the source articles: replies were reviewed on **Precision, Clarity,
Empathy**, later replaced by **Awareness, Clarity, Empowerment**. The criteria the coach can
judge name its rubric (``coach_rubric``), so every solved conversation is also reviewed
automatically with the same scorecard; a critical "correct and safe" check is for people only.
"""

from __future__ import annotations

from typing import Any

_CORRECT_AND_SAFE: dict[str, Any] = {
    "name": "Correct and safe",
    "description": (
        "No wrong information, no promise we cannot keep, no customer data exposed. "
        "A “no” fails the whole review."
    ),
    "scale": "binary",
    "weight": 1,
    "critical": True,
}

DEFAULT_SCORECARDS: list[dict[str, Any]] = [
    {
        "key": "awareness-clarity-empowerment",
        "name": "Awareness, Clarity, Empowerment",
        "description": (
            "The team's current review principles: the customer feels heard, understands the "
            "answer, and knows what happens next."
        ),
        "sections": [
            {
                "name": "Awareness",
                "criteria": [
                    {
                        "name": "Heard the customer",
                        "description": (
                            "Acknowledges the problem and how it feels, in the customer's own "
                            "register; admits our mistake; assumes nothing about what they did."
                        ),
                        "scale": "five",
                        "weight": 2,
                        "coach_rubric": "awareness",
                    },
                    {
                        "name": "Matched the customer's tone",
                        "description": "Formal when they are formal (usted, Вы), warm, never flippant.",
                        "scale": "three",
                        "weight": 1,
                        "allow_na": True,
                    },
                ],
            },
            {
                "name": "Clarity",
                "criteria": [
                    {
                        "name": "Clear and complete",
                        "description": (
                            "Short sentences, steps as a list, no unexplained jargon, every "
                            "question answered."
                        ),
                        "scale": "five",
                        "weight": 1,
                        "coach_rubric": "clarity",
                    }
                ],
            },
            {
                "name": "Empowerment",
                "criteria": [
                    {
                        "name": "Action and next step",
                        "description": (
                            "Says what was done and what happens next: who does it, and when."
                        ),
                        "scale": "five",
                        "weight": 2,
                        "coach_rubric": "empowerment",
                    },
                    dict(_CORRECT_AND_SAFE),
                ],
            },
        ],
    },
    {
        "key": "precision-clarity-empathy",
        "name": "Precision, Clarity, Empathy",
        "description": "The team's earlier review principles, kept for comparison.",
        "sections": [
            {
                "name": "Precision",
                "criteria": [
                    {
                        "name": "Answered what was asked",
                        "description": "Every question answered exactly; no guesses about the customer.",
                        "scale": "five",
                        "weight": 2,
                        "coach_rubric": "precision",
                    },
                    dict(_CORRECT_AND_SAFE),
                ],
            },
            {
                "name": "Clarity",
                "criteria": [
                    {
                        "name": "Easy to follow",
                        "description": "Readable sentences, steps as a list, no unexplained jargon.",
                        "scale": "five",
                        "weight": 1,
                        "coach_rubric": "clarity_classic",
                    }
                ],
            },
            {
                "name": "Empathy",
                "criteria": [
                    {
                        "name": "Balanced empathy",
                        "description": (
                            "Enough warmth to be heard, never so much that it replaces the fix; "
                            "one apology at most; nothing pasted without meaning it."
                        ),
                        "scale": "five",
                        "weight": 2,
                        "coach_rubric": "empathy",
                    }
                ],
            },
        ],
    },
]
