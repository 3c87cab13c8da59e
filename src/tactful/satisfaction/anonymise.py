"""Removing what identifies a customer from feedback before it leaves the ticket (plain Python).

Three layers, in this order, each adding spans to remove:

1. **What the desk knows** about this customer: their names (Russian ones in any case form),
   e-mail addresses and their local part, phone numbers (in any spacing, with or without the
   country code) and channel handles.
2. **Patterns**: e-mail addresses, URLs that carry tokens, IBANs, card numbers, phone numbers
   (international and local), order/ticket/reference numbers and codes, postal codes.
3. **Person names** per language: name lists (``lang/<language>/``), honorifics ("Mr",
   "Sra.", "госпожа"), cue words ("the agent …", "спасибо …") and capitalisation; for Russian
   also the ``natasha`` NER model (its weights ship inside its wheel) when it is installed.

Each span becomes a placeholder in the comment's language (``[name]``, ``[имя]``…), so a
reader still sees that something was there. The data files are read once per process.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

LANG_DIR = Path(__file__).resolve().parent / "lang"
LANGUAGES = ("en", "es", "ru")

NAME, EMAIL, PHONE, CARD, IBAN, NUMBER, LINK, POSTCODE, HANDLE, ADDRESS = (
    "name",
    "email",
    "phone",
    "card",
    "iban",
    "number",
    "link",
    "postcode",
    "handle",
    "address",
)

PLACEHOLDERS: dict[str, dict[str, str]] = {
    "en": {
        NAME: "[name]",
        EMAIL: "[e-mail]",
        PHONE: "[phone]",
        CARD: "[card]",
        IBAN: "[IBAN]",
        NUMBER: "[number]",
        LINK: "[link]",
        POSTCODE: "[postcode]",
        HANDLE: "[handle]",
        ADDRESS: "[address]",
    },
    "es": {
        NAME: "[nombre]",
        EMAIL: "[correo]",
        PHONE: "[teléfono]",
        CARD: "[tarjeta]",
        IBAN: "[IBAN]",
        NUMBER: "[número]",
        LINK: "[enlace]",
        POSTCODE: "[código postal]",
        HANDLE: "[usuario]",
        ADDRESS: "[dirección]",
    },
    "ru": {
        NAME: "[имя]",
        EMAIL: "[почта]",
        PHONE: "[телефон]",
        CARD: "[карта]",
        IBAN: "[IBAN]",
        NUMBER: "[номер]",
        LINK: "[ссылка]",
        POSTCODE: "[индекс]",
        HANDLE: "[ник]",
        ADDRESS: "[адрес]",
    },
}


@dataclass(frozen=True, slots=True)
class Known:
    """What the desk knows identifies this customer."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, order=True)
class Redaction:
    """Characters ``start:end`` of the text identify someone (``kind``: what they are)."""

    start: int
    end: int
    kind: str = field(compare=False)


@dataclass(frozen=True, slots=True)
class Anonymised:
    text: str
    redactions: tuple[Redaction, ...]


# --- layer 1: what the desk knows -------------------------------------------------------------

_CYRILLIC = re.compile(r"[а-яё]", re.I)
_WORD_CHARS = r"[^\W\d_]"


def _name_pattern(token: str) -> str:
    """A name token and its inflected forms (Russian names change their ending by case)."""
    escaped = re.escape(token)
    if _CYRILLIC.search(token) and len(token) >= 4:
        stem = token[:-1] if token[-1].lower() in "аяйьоеы" else token
        return re.escape(stem) + r"[а-яё]{0,3}"
    return escaped + r"(?:['’]s)?"


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _known_spans(text: str, known: Known) -> list[Redaction]:
    spans: list[Redaction] = []
    tokens: set[str] = set()
    for name in known.names:
        for token in re.findall(_WORD_CHARS + r"+(?:['’-]" + _WORD_CHARS + r"+)*", name or ""):
            if len(token) >= 2:
                tokens.add(token)
    for token in sorted(tokens, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + _name_pattern(token) + r"(?!\w)", re.I)
        spans.extend(Redaction(m.start(), m.end(), NAME) for m in pattern.finditer(text))
    for email in known.emails:
        email = (email or "").strip()
        if not email:
            continue
        spans.extend(
            Redaction(m.start(), m.end(), EMAIL) for m in re.finditer(re.escape(email), text, re.I)
        )
        local = email.split("@", 1)[0]
        if len(local) >= 4:
            pattern = re.compile(r"(?<![\w.])" + re.escape(local) + r"(?![\w])", re.I)
            spans.extend(Redaction(m.start(), m.end(), HANDLE) for m in pattern.finditer(text))
    for handle in known.handles:
        bare = (handle or "").strip().lstrip("@")
        if len(bare) < 3 or "@" in bare:
            continue
        pattern = re.compile(r"(?<![\w@])@?" + re.escape(bare) + r"(?!\w)", re.I)
        spans.extend(Redaction(m.start(), m.end(), HANDLE) for m in pattern.finditer(text))
    phones = [_digits(phone) for phone in known.phones if len(_digits(phone)) >= 6]
    if phones:
        for match in _PHONE_LIKE.finditer(text):
            digits = _digits(match.group())
            if len(digits) >= 6 and any(
                digits == phone or phone.endswith(digits[-7:]) or digits.endswith(phone[-7:])
                for phone in phones
            ):
                spans.append(Redaction(match.start(), match.end(), PHONE))
    return spans


# --- layer 2: patterns ------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+", re.I)
_URL_TRAILING = ".,;:!?)]}»'\""
_TOKENISH = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
#: Runs of digits with the separators phone numbers use; judged by their digit count.
_PHONE_LIKE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-–]{4,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_TIME_OR_RANGE = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[-–]\s*\d{1,2}[:.]\d{2})?$")
_HASH_NUMBER = re.compile(r"(?:#|№|Nº|nº|n\.º)\s?\d[\w-]*", re.I)
_CODE_DASHED = re.compile(
    r"\b(?=[A-Z0-9-]*\d)(?=[A-Z0-9-]*[A-Z])[A-Z0-9]{2,}(?:[-/][A-Z0-9]+)+\b", re.I
)
_CODE_LETTERS_DIGITS = re.compile(r"\b[A-Z]{1,4}\d{4,}[A-Z]{0,3}\b|\b\d{3,}[A-Z]{2,}\d*\b")
_LONG_NUMBER = re.compile(r"(?<![\d.,])\d{5,}(?![\d])")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_CA_POSTCODE = re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b")
#: Words after which a code with a digit is an order, ticket or reference number.
_REFERENCE_WORDS = re.compile(
    r"(?:order|ticket|case|ref(?:erence)?|invoice|tracking|booking|account|customer|"
    r"pedido|n[úu]mero|factura|caso|referencia|seguimiento|reserva|cuenta|cliente|"
    r"заказ\w*|номер\w*|сч[её]т\w*|обращени\w*|заявк\w*|трек\w*|договор\w*|посылк\w*|"
    r"бронировани\w*|накладн\w*)"
    r"(?:\s*(?:no\.?|nr\.?|num\.?|#|№|nº|n\.º|:|-|number|número|номер))*\s*"
    r"((?=[\w-]*\d)[\w][\w-]{2,})",
    re.I,
)
_POSTCODE_WORDS = re.compile(
    r"(?:zip(?:\s*code)?|post\s*code|postcode|c\.?p\.?|código\s+postal|индекс\w*)\s*:?\s*(\d{4,6})",
    re.I,
)


#: The last digits of a card ("Visa ending 4821", "terminada en 4821", "оканчивающуюся на 4821").
_CARD_ENDING = re.compile(
    r"(?:ending(?:\s+in)?|ends\s+in|terminada\s+en|acabada\s+en|termina\s+en|"
    r"оканчивающ\w*\s+на|заканчивающ\w*\s+на|последние\s+цифры)\s*:?\s*(\d{4})\b",
    re.I,
)
#: Street addresses: "42 Baker Street", "Calle Mayor 14, 3º B", "ул. Ленина, д. 14, кв. 3".
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'’-]+\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Court|Ct|Place|Pl|Square|"
    r"Terrace|Crescent|Boulevard|Blvd|Gardens|Grove|Row|Hill)\b\.?"
    r"|\b(?:Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Camino|Carrera|Ronda|Travesía)"
    r"\s+(?:(?:de|del|la|las|los|el)\s+)*[\w'’.-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'’.-]+)*,?\s*"
    r"(?:n\.?º\s*)?\d{1,5}(?:\s*,?\s*\d{1,2}\s*º\s*[A-Za-z]?)?"
    r"|(?:\bул\.|\bулица|\bпр-т|\bпроспект|\bпер\.|\bпереулок|\bбульвар|\bш\.|\bшоссе|"
    r"\bнаб\.|\bнабережная)\s*[А-ЯЁ][\w-]*(?:\s+[А-ЯЁ][\w-]*)*"
    r"(?:,?\s*(?:д\.|дом)\s*\d+[а-я]?)?(?:,?\s*(?:корп\.|к\.|стр\.)\s*\d+)?"
    r"(?:,?\s*(?:кв\.|квартира)\s*\d+)?"
)


def _url_spans(text: str) -> list[Redaction]:
    spans = []
    for match in _URL.finditer(text):
        url = match.group().rstrip(_URL_TRAILING)
        rest = re.sub(r"^(?:https?://)?[^/?#]+", "", url, flags=re.I)
        if "?" in rest or "#" in rest or _TOKENISH.search(rest) or re.search(r"\d{5,}", rest):
            spans.append(Redaction(match.start(), match.start() + len(url), LINK))
    return spans


def _pattern_spans(text: str) -> list[Redaction]:
    spans: list[Redaction] = []
    spans.extend(Redaction(m.start(), m.end(), EMAIL) for m in _EMAIL.finditer(text))
    spans.extend(_url_spans(text))
    spans.extend(Redaction(m.start(), m.end(), IBAN) for m in _IBAN.finditer(text))
    for match in _CARD.finditer(text):
        if 13 <= len(_digits(match.group())) <= 19:
            spans.append(Redaction(match.start(), match.end(), CARD))
    for match in _PHONE_LIKE.finditer(text):
        raw = match.group().strip()
        digits = _digits(raw)
        if _DATE.match(raw) or _TIME_OR_RANGE.match(raw):
            continue
        if 7 <= len(digits) <= 15 or (raw.startswith("+") and len(digits) >= 6):
            spans.append(Redaction(match.start(), match.start() + len(match.group()), PHONE))
    spans.extend(Redaction(m.start(1), m.end(1), CARD) for m in _CARD_ENDING.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), ADDRESS) for m in _STREET.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _HASH_NUMBER.finditer(text))
    spans.extend(Redaction(m.start(1), m.end(1), NUMBER) for m in _REFERENCE_WORDS.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _CODE_DASHED.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _CODE_LETTERS_DIGITS.finditer(text))
    spans.extend(Redaction(m.start(1), m.end(1), POSTCODE) for m in _POSTCODE_WORDS.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _LONG_NUMBER.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), POSTCODE) for m in _UK_POSTCODE.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), POSTCODE) for m in _CA_POSTCODE.finditer(text))
    return spans


# --- layer 3: person names --------------------------------------------------------------------


@dataclass(frozen=True)
class NameData:
    """One language's name lists and cues (from ``lang/<language>/``)."""

    first: frozenset[str]
    surnames: frozenset[str]
    ambiguous: frozenset[str]
    honorifics: frozenset[str]
    cues: tuple[str, ...]
    particles: frozenset[str]
    not_names: frozenset[str]
    post_cues: tuple[str, ...]
    inflected_cues: bool


def _read_list(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


@cache
def name_data(language: str) -> NameData:
    folder = LANG_DIR / language
    first = _read_list(folder / "first_names.txt") | _read_list(folder / "extra_names.txt")
    cues = _read_list(folder / "name_cues.txt")
    return NameData(
        first=frozenset(name.casefold() for name in first),
        surnames=frozenset(name.casefold() for name in _read_list(folder / "surnames.txt")),
        ambiguous=frozenset(name.casefold() for name in _read_list(folder / "ambiguous.txt")),
        honorifics=frozenset(h.casefold() for h in _read_list(folder / "honorifics.txt")),
        cues=tuple(sorted((cue.casefold() for cue in cues), key=len, reverse=True)),
        particles=frozenset(p.casefold() for p in _read_list(folder / "particles.txt")),
        not_names=frozenset(
            w.casefold()
            for w in _read_list(folder / "not_names.txt") | _read_list(folder / "honorifics.txt")
        ),
        inflected_cues=language == "ru",
        post_cues=tuple(
            cue.casefold().replace("_", " ") for cue in _read_list(folder / "name_post_cues.txt")
        ),
    )


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
_SENTENCE_END = re.compile(r"[.!?…:;\n\"«»“”(]\s*$")
#: Russian case endings a name may take ("Ольге", "Петровой", "Сергеем").
_RU_ENDINGS = (
    "ями",
    "ами",
    "ого",
    "его",
    "ому",
    "ему",
    "ой",
    "ей",
    "ою",
    "ею",
    "ым",
    "им",
    "ом",
    "ем",
    "ую",
    "юю",
    "у",
    "ю",
    "е",
    "ы",
    "и",
    "а",
    "я",
    "ь",
)
_RU_SURNAME = re.compile(
    r"^[А-ЯЁ][а-яё]+(?:ов|ев|ёв|ин|ын)(?:а|у|ым|ом|е|ой|ую|ого|ому|ых|ыми)?$"
    r"|^[А-ЯЁ][а-яё]+(?:ский|цкий|ская|цкая|ского|цкого|скому|цкому|ской|цкой|ским|цким)$"
)


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str  # without a trailing dot
    sentence_start: bool

    @property
    def capitalised(self) -> bool:
        return self.text[:1].isupper() and not (len(self.text) > 1 and self.text.isupper())


def _words(text: str) -> list[_Word]:
    words = []
    for match in _WORD.finditer(text):
        raw = match.group()
        core = raw[:-1] if raw.endswith(".") else raw
        before = text[: match.start()]
        sentence_start = not before.strip() or bool(_SENTENCE_END.search(before))
        words.append(_Word(match.start(), match.start() + len(core), core, sentence_start))
    return words


def _lemmas(word: str, language: str) -> list[str]:
    """The word, and for Russian the nominative forms its case ending may hide."""
    folded = word.casefold()
    found = [folded]
    if language == "ru":
        for ending in _RU_ENDINGS:
            if folded.endswith(ending) and len(folded) - len(ending) >= 2:
                stem = folded[: -len(ending)]
                found.extend(stem + tail for tail in ("", "а", "я", "й", "ь", "ий", "ия"))
    return found


def _in(word: str, names: frozenset[str], language: str) -> bool:
    return any(lemma in names for lemma in _lemmas(word, language))


#: Words that may stand between a cue and the name ("thanks to our Anna", "спасибо большое Ольге").
_FILLERS = frozenset(
    [
        "to",
        "the",
        "our",
        "your",
        "a",
        "an",
        "so",
        "very",
        "much",
        "al",
        "a",
        "la",
        "el",
        "de",
        "большое",
        "огромное",
        "вам",
        "вашему",
        "вашей",
        "нашему",
        "нашей",
    ]
)


def _is_cue(words: Sequence[_Word], index: int, data: NameData) -> bool:
    """Whether the words just before ``index`` are a cue ("the agent", "спасибо", "gracias a")."""
    before = [w.text.casefold() for w in words[max(0, index - 5) : index]]
    while before:
        tail = " ".join(before[-3:])
        if any(tail == cue or tail.endswith(" " + cue) for cue in data.cues):
            return True
        # Russian cues change their ending ("помощник" → "помощником"): match the stem.
        if data.inflected_cues and any(
            before[-1].startswith(cue) for cue in data.cues if " " not in cue and len(cue) >= 5
        ):
            return True
        if before[-1] not in _FILLERS:
            return False
        before.pop()
    return False


def _is_post_cue(text: str, word: _Word, data: NameData) -> bool:
    """Whether what follows ``word`` says it is a person ("Zara, your colleague", "Ana de soporte")."""
    after = text[word.end : word.end + 40].casefold()
    return any(after.startswith(cue) for cue in data.post_cues)


def _name_spans(text: str, language: str) -> list[Redaction]:
    if language not in LANGUAGES:
        return []
    data = name_data(language)
    words = _words(text)
    spans: list[Redaction] = []
    taken: set[int] = set()
    for index, word in enumerate(words):
        if index in taken or not word.capitalised:
            continue
        folded = word.text.casefold()
        if folded in data.not_names:
            continue
        previous = words[index - 1] if index else None
        after_honorific = previous is not None and previous.text.casefold().rstrip(".") in {
            h.rstrip(".") for h in data.honorifics
        }
        is_first = _in(word.text, data.first, language)
        if is_first and word.sentence_start and _in(word.text, data.ambiguous, language):
            is_first = False
        shaped_surname = language == "ru" and bool(_RU_SURNAME.match(word.text))
        cue = not word.sentence_start and _is_cue(words, index, data)
        if is_first is False and word.sentence_start and _in(word.text, data.first, language):
            # "Grace Hopper" at the start: an ambiguous name followed by a surname is a name.
            following = words[index + 1] if index + 1 < len(words) else None
            is_first = bool(
                following is not None
                and following.capitalised
                and text[word.end : following.start] == " "
                and following.text.casefold() not in data.not_names
            )
        if not (
            is_first
            or after_honorific
            or _is_post_cue(text, word, data)
            or (cue and folded not in data.not_names)
            or (shaped_surname and not word.sentence_start)
            or (_in(word.text, data.surnames, language) and not word.sentence_start and cue)
        ):
            continue
        end_index = index
        # A surname (or a second given name) follows: "María José López de la Fuente".
        probe = index + 1
        while probe < len(words) and probe - index <= 4:
            candidate = words[probe]
            gap = text[words[probe - 1].end : candidate.start]
            if gap.strip(" ") not in {"", "-"} or "\n" in gap:
                break
            if candidate.text.casefold() in data.particles and probe + 1 < len(words):
                if words[probe + 1].capitalised:
                    probe += 1
                    continue
                break
            if candidate.capitalised and candidate.text.casefold() not in data.not_names:
                end_index = probe
                probe += 1
                continue
            break
        start_index = index
        # A given name the lists lack, just before a recognised surname: "Nadia Petrova".
        while start_index > 0 and not is_first and not after_honorific:
            candidate = words[start_index - 1]
            if (
                not candidate.capitalised
                or candidate.text.casefold() in data.not_names
                or text[candidate.end : words[start_index].start] != " "
                or start_index - 1 in taken
            ):
                break
            start_index -= 1
        for taken_index in range(start_index, end_index + 1):
            taken.add(taken_index)
        spans.append(Redaction(words[start_index].start, words[end_index].end, NAME))
    return spans


# The Russian NER model: loaded once, on first use, if natasha is installed.
_ner_lock = threading.Lock()
_ner: Any = None
_ner_tried = False


def _natasha() -> Any:
    global _ner, _ner_tried
    with _ner_lock:
        if not _ner_tried:
            _ner_tried = True
            try:
                from natasha import NewsEmbedding, NewsNERTagger, Segmenter

                embedding = NewsEmbedding()
                _ner = (Segmenter(), NewsNERTagger(embedding))
            except Exception:  # not installed, or its data unreadable: the lists still work
                _ner = None
    return _ner


def natasha_available() -> bool:
    return _natasha() is not None


def _ner_spans(text: str) -> list[Redaction]:
    model = _natasha()
    if model is None:
        return []
    from natasha import Doc

    segmenter, tagger = model
    doc = Doc(text)
    doc.segment(segmenter)
    doc.tag_ner(tagger)
    data = name_data("ru")
    spans = []
    for span in doc.spans:
        if span.type != "PER":
            continue
        words = _words(span.text)
        # The model takes a sentence's first word for a name too often ("Перезвоните мне…"):
        # alone at a sentence start, only a word the lists know counts.
        at_start = not text[: span.start].strip() or bool(_SENTENCE_END.search(text[: span.start]))
        if len(words) == 1 and at_start:
            word = words[0].text
            if word.casefold() in data.not_names or not (
                _in(word, data.first, "ru") or _in(word, data.surnames, "ru")
            ):
                continue
        spans.append(Redaction(span.start, span.stop, NAME))
    return spans


# --- putting it together ----------------------------------------------------------------------


def _merge(spans: Iterable[Redaction]) -> list[Redaction]:
    merged: list[Redaction] = []
    for span in sorted(spans):
        if span.end <= span.start:
            continue
        if merged and span.start <= merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Redaction(last.start, span.end, last.kind)
            continue
        merged.append(span)
    return merged


def find_identifying(
    text: str, *, language: str, known: Known = Known(), use_ner: bool = True
) -> list[Redaction]:
    """Every span of ``text`` that identifies a person, merged and in order."""
    spans = _known_spans(text, known) + _pattern_spans(text) + _name_spans(text, language)
    if language == "ru" and use_ner:
        spans += _ner_spans(text)
    return _merge(spans)


def anonymise(
    text: str, *, language: str, known: Known = Known(), use_ner: bool = True
) -> Anonymised:
    """``text`` with each identifying span replaced by a placeholder in ``language``."""
    redactions = find_identifying(text, language=language, known=known, use_ner=use_ner)
    placeholders = PLACEHOLDERS.get(language, PLACEHOLDERS["en"])
    parts: list[str] = []
    position = 0
    for span in redactions:
        parts.append(text[position : span.start])
        parts.append(placeholders[span.kind])
        position = span.end
    parts.append(text[position:])
    return Anonymised("".join(parts), tuple(redactions))
