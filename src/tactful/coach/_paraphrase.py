"""C3: a paraphrase of the customer's problem, in their language, from their key sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._analyze import analyze_doc, make_doc
from ._lexicon import lexicon
from ._types import MessageAnalysis

_TOKEN = re.compile(r"\w+(?:['’]\w+)?|\W+", re.U)
_TRAILING = re.compile(r"[\s.!?…,;:]+$")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear [^,]*|hola|buenas|buenos días|estimad[oa]s?[^,]*|здравствуйте|привет|добрый день)[,!.]?\s+",
    re.I,
)


@dataclass(frozen=True)
class _Agreement:
    """Where a gendered first-person form may change (Russian past tense and short forms).

    "я заказала" becomes "Вы заказали", but in "а это должен был быть сюрприз" the subject is
    "это": "должен" and "был" agree with it and stay. A gendered form is swapped only inside
    a clause whose subject is the customer: one that names "я"/"мы" before it, or one with no
    subject of its own ("я заказала, но потом отменила") after such a clause.
    """

    gendered: frozenset[str] = frozenset()
    subjects: frozenset[str] = frozenset()
    carry: frozenset[str] = frozenset()


_CLAUSE_BREAK = re.compile(r"[,;:()—–-]")


def _second_person(
    sentence: str,
    swap: dict[str, str],
    subjects: set[str],
    after_subject: set[str],
    agreement: _Agreement = _Agreement(),
) -> str:
    """Swap first-person words for second-person ones, keeping case of the first letter."""
    out: list[str] = []
    previous = ""
    clause_first_person = sentence_first_person = clause_other_subject = False
    for token in _TOKEN.findall(sentence):
        lowered = token.lower().replace("’", "'")
        if not token.strip() or not token[0].isalnum():
            if _CLAUSE_BREAK.search(token):
                clause_first_person = clause_other_subject = False
            out.append(token)
            continue
        if lowered in agreement.subjects:
            clause_first_person = sentence_first_person = True
        replacement = swap.get(lowered)
        if replacement is not None and lowered in agreement.gendered:
            customer_is_subject = clause_first_person or (
                sentence_first_person and not clause_other_subject
            )
            replacement = replacement if customer_is_subject else None
        elif (
            agreement.gendered
            and lowered not in agreement.carry
            and lowered not in agreement.subjects
            and replacement is None
        ):
            clause_other_subject = True
        if replacement is not None and (lowered not in after_subject or previous in subjects):
            if token[:1].isupper() and lowered not in {"i"}:
                replacement = replacement[:1].upper() + replacement[1:]
            out.append(replacement)
        else:
            out.append(token)
        previous = lowered
    return "".join(out)


def paraphrase(
    customer_message: str | bytes | MessageAnalysis, *, language: str | None = None
) -> str:
    """Draft "Let me check I've understood: … Did I miss anything?" in the customer's language.

    Args:
        customer_message: the customer's text, or its analysis.
        language: force the language instead of detecting it.

    Returns:
        The paraphrase; for an unsupported language, the English template around the customer's
        own words, quoted, since the coach cannot rephrase what it cannot read.

    Raises:
        CoachError: E001 empty text, E002 not text, E003 unknown language.
    """
    if isinstance(customer_message, MessageAnalysis):
        analysis = customer_message
    else:
        analysis = analyze_doc(make_doc(customer_message, language))
    lex = lexicon(analysis.language)
    template = lex.messages["paraphrase"]
    sentences = [analysis.text[s.start : s.end] for s in analysis.key_sentences] or [analysis.text]
    if analysis.language == "und":
        quoted = " ".join(f"“{_TRAILING.sub('', s)}”" for s in sentences)
        return f"{template['intro']} {quoted}. {template['outro']}"
    swap = {k.lower(): v for k, v in template.get("swap", {}).items()}
    subjects = set(template.get("subjects", []))
    after_subject = set(template.get("swap_after_subject_only", []))
    agreement = _Agreement(
        frozenset(template.get("swap_in_first_person_clause", [])),
        frozenset(template.get("first_person_subjects", [])),
        frozenset(template.get("clause_carry_words", [])),
    )
    # Polite capitals ("Вы", "Ваш") stay capital at the start of a part, as they do inside it.
    capitalised = {v for v in swap.values() if v[:1].isupper()}
    parts = []
    for sentence in sentences:
        sentence = _GREETING.sub("", sentence.strip())
        sentence = _TRAILING.sub("", sentence).lstrip("¿¡")
        if not sentence:
            continue
        rewritten = _second_person(sentence, swap, subjects, after_subject, agreement)
        first_word = rewritten.split(" ", 1)[0].strip(",.;:!?")
        keep = rewritten[:2] == "I " or first_word in capitalised
        parts.append(rewritten if keep else rewritten[:1].lower() + rewritten[1:])
    body = template["joiner"].join(parts) if parts else _TRAILING.sub("", analysis.text)
    return f"{template['intro']} {body}. {template['outro']}"
