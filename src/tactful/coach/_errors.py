"""Numbered errors for bad input, so callers can branch on a stable code."""

from __future__ import annotations


class CoachError(ValueError):
    """Raised for input the coach cannot judge; ``code`` is stable, ``message`` explains.

    Codes:
        E001: the text is empty or only whitespace.
        E002: the text is not a ``str`` or ``bytes``.
        E003: the requested language is not one the coach knows.
        E004: a conversation has no customer message.
        E005: a trained model file is missing or unreadable.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message


def empty_text() -> CoachError:
    return CoachError("E001", "the text is empty or contains only whitespace")


def not_text(value: object) -> CoachError:
    return CoachError("E002", f"expected str or bytes, got {type(value).__name__}")


def unknown_language(language: str) -> CoachError:
    return CoachError(
        "E003", f"unknown language {language!r}: use 'en', 'es', 'ru', 'und' or leave it out"
    )


def no_customer_message() -> CoachError:
    return CoachError("E004", "the conversation has no customer message to judge")


def model_missing(path: str) -> CoachError:
    return CoachError(
        "E005", f"trained model {path} is missing or unreadable; run 'tactful coach train'"
    )
