"""Removing what identifies a customer from feedback before it leaves the ticket (plain Python).

Three layers, in this order, each adding spans to remove:

1. **What the desk knows** about this customer: their names (Russian ones in any case form),
   e-mail addresses and their local part, phone numbers (in any spacing, with or without the
   country code) and channel handles.
2. **Patterns**: e-mail addresses, URLs that carry tokens, IBANs, card numbers, phone numbers
   (international and local), order/ticket/reference numbers and codes, postal codes.
3. **Person names** per language: name lists (``lang/<language>/``), honorifics ("Mr",
   "Sra.", "госпожа"), cue words ("the agent …", "спасибо …") and capitalisation; a word that
   is no common word of the language (``wordfreq``'s in-wheel frequencies) where a name
   stands; for Russian also the ``natasha`` NER model (its weights ship inside its wheel)
   when it is installed.

Each span becomes a placeholder in the comment's language (``[name]``, ``[имя]``…), so a
reader still sees that something was there. The data files are read once per process.
"""

from __future__ import annotations

import re
import threading
import unicodedata
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


def _known_spans(text: str, known: Known, language: str = "") -> list[Redaction]:
    spans: list[Redaction] = []
    # A customer called Hope or Luz: "I hope" and "la luz" are no names; in lower case such a
    # name (a word of the language too) is left alone.
    words_too: frozenset[str] = frozenset()
    if language in LANGUAGES:
        data = name_data(language)
        words_too = data.ambiguous | data.common
    tokens: set[str] = set()
    for name in known.names:
        for token in re.findall(_WORD_CHARS + r"+(?:['’-]" + _WORD_CHARS + r"+)*", name or ""):
            if len(token) >= 2:
                tokens.add(token)
    for token in sorted(tokens, key=len, reverse=True):
        pattern = re.compile(r"(?<!\w)" + _name_pattern(token) + r"(?!\w)", re.I)
        is_word = fold(token) in words_too
        spans.extend(
            Redaction(m.start(), m.end(), NAME)
            for m in pattern.finditer(text)
            if not is_word or m.group()[:1].isupper()
        )
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
#: A channel handle ("@ivan_petrov88", "@maria.lopez"): an "@" not inside an e-mail address.
_HANDLE = re.compile(r"(?<![\w.+-])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{1,30}[A-Za-z0-9_])?(?![\w@])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"«»]+", re.I)
_URL_TRAILING = ".,;:!?)]}»'\""
_TOKENISH = re.compile(r"(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
#: Runs of digits with the separators phone numbers use; judged by their digit count.
_PHONE_LIKE = re.compile(r"(?<![\w+])(?:\+|00)?\(?\d[\d\s().\-–]{4,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_TIME_OR_RANGE = re.compile(r"^\d{1,2}[:.]\d{2}(?:\s*[-–]\s*\d{1,2}[:.]\d{2})?$")
#: A number after "#", "№", "nº", with its label (the corpus marks "#48213" whole; the blind
#: files' author left the label out, so it counts there as text removed beyond the marks).
_HASH_NUMBER = re.compile(r"(?:#|№|Nº|nº|n\.º)\s?(?:\d|[^\W\d_]{1,4}-?\d)[\w/-]*", re.I)
#: Codes such as "INV-2026-00417", "REC/2026/00871", "ДГ-2026/0413": parts joined by "-" or "/",
#: with a letter and a digit (checked after the match: a lookahead over the run before each
#: part made "1/1/1/…" quadratic), a lower-case one like "30-day" only with five digits or more.
_CODE_DASHED = re.compile(r"\b[A-ZА-ЯЁ0-9]{1,}(?:[-/][A-ZА-ЯЁ0-9]+)+\b", re.I)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_CODE_LETTERS_DIGITS = re.compile(r"\b[A-Z]{1,4}\d{4,}[A-Z]{0,3}\b|\b\d{3,}[A-Z]{2,}\d*\b")
#: A Spanish DNI ("48291037K") or NIE ("X1234567L"): eight digits and a check letter.
_SPANISH_ID = re.compile(r"\b(?:\d{8}|[XYZ]\d{7})-?[A-Z]\b")
_LONG_NUMBER = re.compile(r"(?<![\d.,])\d{5,}(?![\d])")
_UK_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")
_CA_POSTCODE = re.compile(r"\b[A-Z]\d[A-Z] ?\d[A-Z]\d\b")
#: Words after which a code with a digit is an order, ticket or reference number.
_REFERENCE_WORDS = re.compile(
    r"(?:order|ticket|case|ref(?:erence)?|invoice|tracking|booking|account|customer|"
    r"pedido|n[úu]mero|factura|caso|referencia|seguimiento|reserva|cuenta|cliente|"
    r"заказ\w*|номер\w*|сч[её]т\w*|обращени\w*|заявк\w*|трек\w*|договор\w*|посылк\w*|"
    r"бронировани\w*|накладн\w*|"
    # National IDs, passports and bank codes after their label: the value is identifying
    # whatever its shape ("DNI 48291037K", "sort code 20-45-77", "СНИЛС 112-233-445 95").
    r"sort\s*code|routing(?:\s*number)?|swift|bic|ssn|social\s+security(?:\s+number)?|"
    r"national\s+insurance(?:\s+number)?|passport|licen[cs]e|"
    r"dni|nie|nif|rut|curp|rfc|cuit|pasaporte|documento|carn[eé]|"
    r"снилс\w*|инн|паспорт\w*|бик|полис\w*|удостоверени\w*)"
    r"(?:\s*(?:no\.?|nr\.?|num\.?|#|№|nº|n\.º|:|-|number|número|номер))*\s*"
    # The value, and the groups a tracking number is written in ("1Z 999 AA1 01 2345 6784").
    r"((?=[\w-]*\d)[\w][\w-]{2,}(?:/[\w-]+)*|(?=[\w-]*\d)[\w]{2}(?= [A-Z0-9]*\d))"
    r"((?: (?=[A-Z0-9]*\d)[A-Z0-9]{1,6}(?![\w-]))*)",
    re.I,
)
_POSTCODE_WORDS = re.compile(
    r"(?:zip(?:\s*code)?|post\s*code|postcode|c\.?p\.?|código\s+postal|индекс\w*)\s*:?\s*(\d{4,6})",
    re.I,
)


#: The last digits of a card ("Visa ending 4821", "terminada en 4821", "оканчивающуюся на 4821").
_CARD_ENDING = re.compile(
    r"(?:ending(?:\s+(?:in|with))?|ends\s+(?:in|with)|last\s+(?:four|4)\s+digits(?:\s+are)?|"
    r"(?:terminad|acabad)[ao]\s+en|(?:termina|acaba)n?\s+en|"
    r"últimos\s+(?:cuatro\s+|4\s+)?(?:dígitos|números)|"
    r"(?:о|за)?канчива\w*\s+на|последние\s+(?:четыре\s+|4\s+)?цифры|"
    # "с карты на 3344": the card named by its last digits.
    r"карт\w*\s+(?:на|№)|card\s+(?:no\.?\s+)?x+)\s*:?\s*(\d{4})\b",
    re.I,
)
#: A card's last digits after its masked ones ("**** 7712", "XXXX-XXXX-XXXX-4821", "•••• 4821").
_CARD_MASKED = re.compile(r"(?:[*xX•·]{3,4}[ -]?){1,3}(\d{4})\b")
#: An e-mail address spelt out in words ("tunde dot bakare at gmail dot com", "marisa.lopez82
#: arroba gmail punto com", "ivan собака mail точка ru").
_EMAIL_WORDS = re.compile(
    # Bounded repeats: "x dot x dot …" must not make each start try the whole rest again.
    # A possessive local part, starting where no address character stands before it: "a-1a-1…"
    # made every part a new start that tried all the rest.
    r"(?<![\w.+-])[\w.+-]++(?:\s+(?:dot|punto|точка)\s+[\w+-]++){0,3}"
    r"\s*(?:\(at\)|\[at\]|\bat\b|\barroba\b|\bсобака\b)\s*"
    r"[\w-]+(?:\s*(?:\.|\(dot\)|\[dot\]|\bdot\b|\bpunto\b|\bточка\b)\s*[\w-]+){0,2}"
    r"\s*(?:\.|\(dot\)|\[dot\]|\bdot\b|\bpunto\b|\bточка\b)\s*"
    r"(?:com|net|org|info|io|es|ru|mx|ar|co|uk|de|fr|it|eu|me|cl|pe|ua|by|kz|рф)\b",
    re.I,
)
#: Street addresses: "42 Baker Street", "Calle Mayor 14, 3º B", "ул. Ленина, д. 14, кв. 3".
_STREET = re.compile(
    r"(?:\b(?:Flat|Apartment|Apt\.?|Unit|Suite)\s+\d{1,4}[A-Za-z]?,?\s+)?"
    r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'’-]+\s+){1,3}"
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Court|Ct|Place|Pl|Square|"
    r"Terrace|Crescent|Boulevard|Blvd|Gardens|Grove|Row|Hill)\b\.?"
    r"|\b(?i:Calle|C/|Avenida|Avda\.?|Av\.|Plaza|Pza\.?|Paseo|Camino|Carrera|Ronda|Travesía|"
    r"Carrer|Avinguda|Passeig|Plaça|Rambla|Rúa|Kale|Kalea|Etorbidea)"
    r"\s+(?:(?:de|del|la|las|los|el)\s+)*[\w'’.-]+(?:\s+[A-ZÁÉÍÓÚÑ][\w'’.-]+)*,?\s*"
    r"(?:n\.?º\s*)?\d{1,5}(?:\s*,?\s*\d{1,2}\s*º(?:\s*[A-Za-z](?!\w))?)?"
    r"(?:\s*,?\s*(?i:piso|planta|puerta|pta\.|escalera|esc\.|portal|bloque)\s*\d{1,3}\s*º?"
    r"(?:\s*[A-Za-z](?!\w))?)*"
    r"|(?:\bул\.|\bулица|\bпр-т|\bпр\.|\bпроспект|\bпр-д|\bпроезд|\bпер\.|\bпереулок|"
    r"\bбульвар|\bб-р|\bш\.|\bшоссе|\bпл\.|\bплощадь|\bмкр\.?|\bмикрорайон|"
    r"\bнаб\.|\bнабережная)\s*[А-ЯЁ][\w-]*(?:\s+[А-ЯЁ][\w-]*)*"
    # The house number, with or without "д." ("ул. Гагарина, 12", "пр-т Мира, 101к2").
    r"(?:,?\s*(?:(?:д\.|дом)\s*)?\d+[а-я]?(?:[/к]\d+)?(?!\w))?(?:,?\s*(?:корп\.|к\.|стр\.)\s*\d+)?"
    r"(?:,?\s*(?:кв\.|квартира)\s*\d+)?"
)


#: A Spanish floor with its door ("5º A", "4º izq.", "2º 1ª", "3° dcha"): an ordinal floor and
#: what says which door; "el 2º premio" has no door after it.
_FLOOR_DOOR = re.compile(
    r"(?<!\w)\d{1,2}\s?[ºª°]\s?(?:[A-H](?![\w])|\d{1,2}\s?[ªº]|"
    # An abbreviation keeps its dot ("4º izq."), a full word leaves the sentence's to it.
    r"(?i:izquierda|derecha|centro|interior|exterior)\b"
    r"|(?i:izq|izqda|dcha|der|dr|ctro|int|ext)\b\.?)"
)
#: A house, flat or door number after the word that says so ("at number 17", "el portal 17",
#: "у дома 17", "кв. 5"), and the numbers joined to it ("17 instead of 71", "17 en vez del 71").
#: Not a number of days, hours or times ("дома 3 дня").
_HOUSE_NUMBER = re.compile(
    r"(?:\b(?:(?:at|to|from|in|on|house|door|flat)\s+(?:no\.?|number)|house|flat|apartment|apt\.?|"
    r"unit|door|building|portal|piso|puerta|casa|bloque|escalera|int\.|interior|depto\.?|dpto\.?|"
    r"(?:en|al|del|el)\s+(?:n[úu]mero|n\.?º)|"
    r"д\.|дом|дома|доме|дому|домом|подъезд\w*|квартир\w*|кв\.|корпус\w*|корп\.|строени\w*|"
    r"стр\.|этаж\w*)(?!\w)\s*)"
    r"(\d{1,4}[a-zа-я]?(?:(?:\s*[/-]\s*|,?\s+(?:instead\s+of|not|or|and|rather\s+than|"
    r"en\s+vez\s+del?|en\s+lugar\s+del?|y\s+no|y|o|ni|no|вместо|а\s+не|или|и)"
    r"(?:\s+(?:en|at|to|in|у|к))?(?:\s+(?:el|al|del|la|the|number|n[úu]mero|дом[ауе]?))?\s+)"
    r"\d{1,4}[a-zа-я]?)*)"
    r"(?![\d.,:]?\d)(?!\s*(?:times|days?|hours?|minutes?|weeks?|months?|years?|"
    r"am|pm|%|veces|d[ií]as?|horas?|minutos?|semanas?|meses|mes|años?|"
    r"раз|дн|ден|час|минут|недел|месяц|лет|год|%))",
    re.I,
)
#: A house number with its letter after "at" ("parcels left at 17A"), no time ("at 5PM").
_AT_HOUSE = re.compile(r"\bat\s+(\d{1,4}[A-F])(?!\w)")
_HOUSE_NUMBER_PART = re.compile(r"\d{1,4}[a-zа-я]?", re.I)


def _house_number_spans(text: str) -> list[Redaction]:
    spans = []
    for match in _HOUSE_NUMBER.finditer(text):
        offset = match.start(1)
        for part in _HOUSE_NUMBER_PART.finditer(match.group(1)):
            spans.append(Redaction(offset + part.start(), offset + part.end(), ADDRESS))
    return spans


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
    spans.extend(Redaction(m.start(), m.end(), HANDLE) for m in _HANDLE.finditer(text))
    spans.extend(_url_spans(text))
    spans.extend(Redaction(m.start(), m.end(), IBAN) for m in _IBAN.finditer(text))
    for match in _CARD.finditer(text):
        if 13 <= len(_digits(match.group())) <= 19:
            spans.append(Redaction(match.start(), match.end(), CARD))
    for match in _PHONE_LIKE.finditer(text):
        raw = match.group().strip()
        start = match.start()
        if raw.startswith("(") and ")" not in raw:
            raw, start = raw[1:], start + 1
        digits = _digits(raw)
        if _DATE.match(raw) or _TIME_OR_RANGE.match(raw):
            continue
        if 7 <= len(digits) <= 15 or (raw.startswith("+") and len(digits) >= 6):
            spans.append(Redaction(start, match.start() + len(match.group()), PHONE))
    spans.extend(Redaction(m.start(1), m.end(1), CARD) for m in _CARD_ENDING.finditer(text))
    spans.extend(Redaction(m.start(1), m.end(1), CARD) for m in _CARD_MASKED.finditer(text))
    for match in _EMAIL_WORDS.finditer(text):
        # Spelt out only: a plain address is the pattern above's ("at" alone is an English word).
        if re.search(
            r"\s(?:dot|punto|точка|at|arroba|собака)\s|\((?:at|dot)\)", match.group(), re.I
        ):
            spans.append(Redaction(match.start(), match.end(), EMAIL))
    spans.extend(Redaction(m.start(), m.end(), ADDRESS) for m in _STREET.finditer(text))
    spans.extend(_house_number_spans(text))
    spans.extend(Redaction(m.start(1), m.end(1), ADDRESS) for m in _AT_HOUSE.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _HASH_NUMBER.finditer(text))
    spans.extend(
        Redaction(m.start(1), max(m.end(1), m.end(2)), NUMBER)
        for m in _REFERENCE_WORDS.finditer(text)
    )
    for match in _CODE_DASHED.finditer(text):
        code = match.group()
        if not (_HAS_LETTER.search(code) and any(c.isdigit() for c in code)):
            continue
        if code != code.lower() or len(_digits(code)) >= 5:
            spans.append(Redaction(match.start(), match.end(), NUMBER))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _CODE_LETTERS_DIGITS.finditer(text))
    spans.extend(Redaction(m.start(1), m.end(1), POSTCODE) for m in _POSTCODE_WORDS.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _LONG_NUMBER.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), NUMBER) for m in _SPANISH_ID.finditer(text))
    spans.extend(Redaction(m.start(), m.end(), ADDRESS) for m in _FLOOR_DOOR.finditer(text))
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
    #: Places, companies, products (``places.txt``): not taken for a name for being capitalised
    #: (a name the lists or a cue find still counts: "gracias a Santiago").
    places: frozenset[str] = frozenset()
    #: Given names of the other languages in the same script.
    other_first: frozenset[str] = frozenset()
    #: Prepositions after which a capitalised word is a place ("в Казани", "en Valencia").
    place_words: frozenset[str] = frozenset()
    #: Words that join two names ("Yusuf y Mei Lin", "Юсуфу и Мэй Лин").
    and_words: frozenset[str] = frozenset()
    #: Given names of every locale Faker knows, in the comment's script (``lang/world/``), less
    #: the language's common words: read at a sentence's start and in lower case too.
    world: frozenset[str] = frozenset()
    #: Common words of the language (``common_words.txt``): never a name in lower case.
    common: frozenset[str] = frozenset()
    #: For Russian: given names in Latin letters ("Sarah"), in a comment where a Latin word is
    #: otherwise a brand.
    latin_world: frozenset[str] = frozenset()
    #: Given names of the language and its neighbours without accents, not ambiguous and no
    #: common word: a lower-case word among them is a name ("jose luis", "dmitri").
    lower_names: frozenset[str] = frozenset()
    #: What a lower-case word after a cue may be ("thanks to rosa"): every given name of the
    #: lists, those that are also words included, without accents.
    cue_lower_names: frozenset[str] = frozenset()
    #: Surnames written before the given name (Chinese, Japanese, Korean, Vietnamese: "Zhang
    #: Wei", "Nguyen Thi Lan"), romanised.
    surnames_first: frozenset[str] = frozenset()


def fold(word: str) -> str:
    """A word as the lists hold it: case-folded, and "ё" written "е" (both spellings occur)."""
    return word.casefold().replace("ё", "е")


#: How frequent a word must be to count as a common word of the language, on wordfreq's Zipf
#: scale (3.0: once in a million words). Names no list holds are rarer than that ("Kwame" 2.7
#: in English, "Вован" 2.6, "Катенька" 2.7), the words that start a customer's sentence are not.
COMMON_WORD_MIN_ZIPF = 3.0
#: A capitalised word inside a sentence that no list holds as a name is taken for a brand's or
#: a product's word rather than a name from this frequency on (about three in a million:
#: "Dell" 3.7, "Note" 3.9 in Spanish); names the lists lack are mostly rarer ("Tariq" 3.1,
#: "Yusuf" 3.1, "Ravi" 3.3).
BRAND_WORD_MIN_ZIPF = 3.5


@cache
def frequent_words(language: str, min_zipf: float = COMMON_WORD_MIN_ZIPF) -> frozenset[str]:
    """The words of ``language`` at least ``min_zipf`` frequent, folded (wordfreq's "small"
    list, inside its wheel: nothing is downloaded). Read once per process, on first use.

    wordfreq folds case, so a given name is as frequent as its uses ("sam", "grace"): being
    rare says a word is *no common word*; being frequent does not say it is no name."""
    from wordfreq import get_frequency_dict

    minimum = 10 ** (min_zipf - 9)
    frequencies = get_frequency_dict(language, wordlist="small")
    return frozenset(fold(word) for word, frequency in frequencies.items() if frequency >= minimum)


def _read_list(path: Path) -> set[str]:
    if not path.exists():
        return set()
    return {
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


_TRANSLIT = {
    "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
    "ё": ("e", "yo"), "ж": ("zh",), "з": ("z",), "и": ("i",), "й": ("i", "y"), "к": ("k",),
    "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",),
    "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("kh", "h"), "ц": ("ts",), "ч": ("ch",),
    "ш": ("sh",), "щ": ("shch",), "ъ": ("",), "ы": ("y",), "ь": ("",), "э": ("e",),
    "ю": ("yu",), "я": ("ya",), "і": ("i",), "ї": ("i", "yi"), "є": ("ie", "ye"), "ґ": ("g",),
}  # fmt: skip
#: Ukrainian names are spelt by Ukrainian rules ("Галина" → "Halyna", "Сергій" → "Serhii").
_TRANSLIT_UK = {**_TRANSLIT, "г": ("h",), "и": ("y",), "й": ("i",), "е": ("e",)}


def _latin_spellings(name: str) -> set[str]:
    """A Russian name in the Latin spellings people use ("Дмитрий" → "Dmitrii", "Dmitriy"…),
    and in the Ukrainian ones ("Оксана", "Галина" → "Halyna", "Сергій" → "Serhii", "Sergii")."""
    found: set[str] = set()
    for table in (_TRANSLIT, _TRANSLIT_UK):
        spellings = {""}
        for char in name.casefold():
            options = table.get(char, (char,))
            spellings = {s + o for s in spellings for o in options}
            if len(spellings) > 16:  # a name with many variant letters: keep the first spellings
                spellings = set(sorted(spellings)[:16])
        found |= spellings
    # "-ий" is written "-y" or "-i" as often as "-iy"/"-ii": Dmitry, Yuri.
    for spelling in list(found):
        for ending in ("iy", "ii", "yi"):
            if spelling.endswith(ending):
                found |= {spelling[:-2] + "y", spelling[:-2] + "i"}
    return {s for s in found if len(s) >= 3}


@cache
def name_data(language: str) -> NameData:
    folder = LANG_DIR / language
    first = _read_list(folder / "first_names.txt") | _read_list(folder / "extra_names.txt")
    cues = _read_list(folder / "name_cues.txt")
    # A name from another language's list counts too, away from a sentence's start ("para
    # Yusuf"): customers and agents are named in every language.
    other_first: set[str] = set()
    for other in LANGUAGES:
        if other != language and (other == "ru") == (language == "ru"):
            other_first |= _read_list(LANG_DIR / other / "first_names.txt")
            other_first |= _read_list(LANG_DIR / other / "extra_names.txt")
            # Not the names that are ordinary words there too ("Will", "Rosa", "Mercedes").
            other_first -= _read_list(LANG_DIR / other / "ambiguous.txt")
    if language != "ru":
        # Russian given names as English and Spanish comments spell them ("Svetlana").
        for name in _read_list(LANG_DIR / "ru" / "first_names.txt"):
            other_first |= _latin_spellings(name)
    # Faker's Spanish lorem words come from real text and hold names ("juan", "maría"): a name of
    # the lists is no common word unless it is also one in ``ambiguous.txt`` ("rosa", "abril").
    ambiguous = {fold(w) for w in _read_list(folder / "ambiguous.txt")}
    common = {fold(w) for w in _read_list(folder / "common_words.txt")}
    common -= {fold(w) for w in first} - ambiguous
    # Words no list of given names may claim: the language's common words, its names that are
    # also words, its particles and honorifics, and the words it knows are no names.
    excluded = (
        common
        | {fold(w) for w in _read_list(folder / "not_names.txt")}
        | {fold(w) for w in _read_list(folder / "particles.txt")}
        | {fold(w) for w in _read_list(folder / "honorifics.txt")}
    )
    all_ambiguous: set[str] = set()
    for other in LANGUAGES:
        all_ambiguous |= {fold(w) for w in _read_list(LANG_DIR / other / "ambiguous.txt")}
    excluded |= all_ambiguous
    latin_world = {fold(w) for w in _read_list(LANG_DIR / "world" / "latin.txt")}
    cyrillic_world = {fold(w) for w in _read_list(LANG_DIR / "world" / "cyrillic.txt")}
    if language == "ru":
        world = cyrillic_world
    else:
        world = set(latin_world)
        for name in cyrillic_world:  # Ukrainian, Bulgarian… names as Latin comments spell them
            world |= _latin_spellings(name)
        for other in LANGUAGES:
            if other != language:
                excluded |= {fold(w) for w in _read_list(LANG_DIR / other / "common_words.txt")}
    places = _read_list(folder / "places.txt") | _read_list(folder / "world_places.txt")
    return NameData(
        first=frozenset(fold(name) for name in first),
        surnames=frozenset(fold(name) for name in _read_list(folder / "surnames.txt")),
        ambiguous=frozenset(fold(name) for name in _read_list(folder / "ambiguous.txt")),
        honorifics=frozenset(fold(h) for h in _read_list(folder / "honorifics.txt")),
        cues=tuple(sorted((fold(cue) for cue in cues), key=len, reverse=True)),
        particles=frozenset(fold(p) for p in _read_list(folder / "particles.txt")),
        not_names=frozenset(
            fold(w)
            for w in _read_list(folder / "not_names.txt") | _read_list(folder / "honorifics.txt")
        ),
        places=frozenset(fold(w) for w in places),
        inflected_cues=language == "ru",
        post_cues=tuple(
            fold(cue).replace("_", " ") for cue in _read_list(folder / "name_post_cues.txt")
        ),
        other_first=frozenset(fold(name) for name in other_first),
        place_words=frozenset(fold(w) for w in _read_list(folder / "not_name_cues.txt")),
        and_words=frozenset(fold(w) for w in _read_list(folder / "and_words.txt")),
        world=frozenset(world - excluded - {fold(w) for w in places}),
        common=frozenset(common),
        latin_world=frozenset(latin_world - excluded) if language == "ru" else frozenset(),
        lower_names=frozenset(
            _plain(name)
            for name in ({fold(n) for n in first} | {fold(n) for n in other_first}) - excluded
            if len(name) >= 3
        ),
        surnames_first=frozenset(
            fold(w) for w in _read_list(LANG_DIR / "world" / "surnames_first.txt")
        )
        - excluded
        if language != "ru"
        else frozenset(),
        cue_lower_names=frozenset(
            _plain(name)
            for name in (
                {fold(n) for n in first} | {fold(n) for n in other_first} | world | all_ambiguous
            )
            - common
            - {fold(w) for w in places}
            if len(name) >= 3
        ),
    )


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*\.?")
_SENTENCE_ENDS = frozenset('.!?…:;\n"«»“”(')
#: What may stand between two words of one sentence; after anything else (a closing ")", the
#: "smile" many Russian comments end a sentence with, an emoji) a new sentence starts.
_WITHIN_SENTENCE = frozenset(",-–—/&+'’")


def _starts_sentence(text: str, position: int) -> bool:
    """Whether ``position`` is where a sentence starts: the text's start, or after ". " etc.

    Looks back over whitespace only (not a regex over everything before: a long comment with
    many words would make that quadratic)."""
    while position > 0 and text[position - 1].isspace():
        if text[position - 1] == "\n":
            return True
        position -= 1
    if position == 0:
        return True
    previous = text[position - 1]
    return previous in _SENTENCE_ENDS or not (previous.isalnum() or previous in _WITHIN_SENTENCE)


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
    r"|^[А-ЯЁ][а-яё]+(?:ский|цкий|ская|цкая|ского|цкого|скому|цкому|ской|цкой|ским|цким|скую|цкую)$"
)
#: Russian patronymics, full ("Ивановна", "Сергеевичем") and short ("Ильич", "Кузьмича").
_RU_PATRONYMIC = re.compile(
    r"^[А-ЯЁ][а-яё]{2,}(?:ович|евич|ич|ыч)(?:а|у|ем|ом|е)?$"
    r"|^[А-ЯЁ][а-яё]{2,}(?:овн|евн|ичн|иничн)(?:а|ы|е|у|ой|ою)$"
)
#: A word in Cyrillic (a Latin-script word in a Russian comment is a product or a brand).
_CYRILLIC_WORD = re.compile(r"^[А-ЯЁа-яё][А-ЯЁа-яё'’-]*$")
_LATIN_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ][A-Za-zÀ-ÖØ-öø-ÿ'’-]+$")


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
        sentence_start = _starts_sentence(text, match.start())
        words.append(_Word(match.start(), match.start() + len(core), core, sentence_start))
    return words


def _lemmas(word: str, language: str) -> list[str]:
    """The word, and for Russian the nominative forms its case ending may hide."""
    folded = fold(word)
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
    before = [fold(w.text) for w in words[max(0, index - 5) : index]]
    while before:
        tail = " ".join(before[-3:])
        if any(tail == cue or tail.endswith(" " + cue) for cue in data.cues):
            return True
        # Russian cues change their ending ("помощник" → "помощником", "жена" → "с женой"):
        # match the stem, or a nominative form the ending may hide.
        if data.inflected_cues and (
            any(before[-1].startswith(cue) for cue in data.cues if " " not in cue and len(cue) >= 5)
            or any(lemma in data.cues for lemma in _lemmas(before[-1], "ru")[1:])
        ):
            return True
        if before[-1] not in _FILLERS:
            return False
        before.pop()
    return False


def _is_cue_word(word: _Word, data: NameData) -> bool:
    """Whether ``word`` is itself a cue ("Оператор Роза", "Courier Ahmed"): not part of the name."""
    folded = fold(word.text)
    if folded in data.cues:
        return True
    return data.inflected_cues and (
        any(folded.startswith(cue) for cue in data.cues if " " not in cue and len(cue) >= 5)
        or any(lemma in data.cues for lemma in _lemmas(folded, "ru")[1:])
    )


#: Verbs that say the word before them is a person ("Will promised…", "Luz me atendió…",
#: "Вера вернула…"): they let a name that is also a word or a place count at a sentence's start.
_PERSON_VERBS = {
    "en": frozenset(
        [
            "was",
            "has",
            "had",
            "helped",
            "promised",
            "told",
            "said",
            "called",
            "rang",
            "fixed",
            "sorted",
            "solved",
            "explained",
            "answered",
            "replied",
            "emailed",
            "wrote",
            "sent",
            "arranged",
            "checked",
            "came",
            "kept",
            "made",
            "gave",
            "took",
            "stayed",
            "did",
            "managed",
            "assured",
            "offered",
            "refunded",
            "handled",
            "dealt",
        ]
    ),
    "es": frozenset(
        [
            "me",
            "nos",
            "le",
            "les",
            "fue",
            "estuvo",
            "atendió",
            "ayudó",
            "explicó",
            "llamó",
            "resolvió",
            "dijo",
            "solucionó",
            "contestó",
            "respondió",
            "escribió",
            "envió",
            "mandó",
            "arregló",
            "gestionó",
            "cambió",
            "devolvió",
        ]
    ),
}
#: A Russian verb in the past tense ("вернула", "помогли", "объяснил").
_RU_PAST_VERB = re.compile(r"^[а-яё]{2,}(?:ла|ли|ло|л|ог|огла|огли)(?:сь|ся)?$")  # "помог" too
#: A past tense by its ending: English "-ed" ("escalated", "refunded"; not "speed"), Spanish
#: third person "-ó" ("tomó", "gestionó").
_PAST_BY_ENDING = {
    "en": re.compile(r"^[a-z]{2,}[^e]ed$"),
    "es": re.compile(r"^[a-zñáéíú]{2,}ó$"),
}
#: A verb in the present's third person by its ending ("Kwame answers…", "Гульнара отвечает…"):
#: said of things as often as of people, so only after a word that is no common word.
_PRESENT_BY_ENDING = {
    "en": re.compile(r"^[a-z]{3,}[^su]s$"),
    "ru": re.compile(r"^[а-яё]{2,}(?:ет|ит|ут|ют|ат|ят)(?:ся)?$"),
}
#: Words after which the subject is as often a thing as a person ("Kwame rocks", "Kofi es lo
#: máximo", "Wilmer se tomó…"): they say "person" only of a word that is no common word.
_PREDICATES = {
    "en": frozenset(
        ["is", "rocks", "deserves", "knows", "gets", "does", "will", "can", "could", "should",
         "would", "went", "got", "saved", "knew", "never", "always", "really", "just", "also",
         "personally", "definitely", "actually", "literally", "and"]
    ),
    "es": frozenset(
        ["es", "era", "está", "se", "te", "lo", "la", "sabe", "tiene", "siempre", "nunca",
         "también", "ya", "hizo", "puso", "y"]
    ),
    "ru": frozenset(["и", "был", "была", "очень", "всегда", "просто", "лучший", "лучшая"]),
}  # fmt: skip


def _person_verb_follows(
    text: str, words: Sequence[_Word], index: int, language: str, *, weak: bool = False
) -> bool:
    """Whether a verb said of a person follows ``words[index]`` ("Will promised…"); with
    ``weak``, a predicate said of people and things alike too ("Kwame rocks", "Гульнара — топ":
    the Russian dash stands for "is")."""
    end = words[index].end
    if weak and language == "ru" and text[end : end + 3] in {" — ", " – "}:
        return True
    following = words[index + 1] if index + 1 < len(words) else None
    if following is None or following.capitalised or text[end : following.start] != " ":
        return False
    folded = fold(following.text)
    if weak and (
        folded in _PREDICATES.get(language, frozenset())
        or (
            (present := _PRESENT_BY_ENDING.get(language)) is not None
            and present.match(folded) is not None
        )
    ):
        return True
    if language == "ru":
        return bool(_RU_PAST_VERB.match(folded))
    ending = _PAST_BY_ENDING.get(language)
    return folded in _PERSON_VERBS.get(language, frozenset()) or bool(
        ending is not None and ending.match(folded)
    )


#: What follows a name someone is spoken to by ("Grace if you read this", "Rocío si lees
#: esto", "Катенька, вы меня спасли").
_VOCATIVE_AFTER = re.compile(
    r"\s*,\s*(?:you|вы|ты|tú|usted|vos)\b|\s+(?:if\s+you|si\s+(?:[a-záéíóúñ]+s|usted|tú))\b", re.I
)


def _vocative_follows(text: str, word: _Word) -> bool:
    return bool(_VOCATIVE_AFTER.match(text, word.end))


#: Russian endings of verbs, adjectives and abstract nouns: a rare word with one of them is an
#: inflected word ("Перезвоните", "Привезите"), not an unknown name.
_RU_NOT_NAME_ENDING = re.compile(
    r"(?:ть|ться|тся|ти|чь|ите|йте|ешь|ете|ишь|ет|ют|ут|ит|ят|ат|ем|л|ла|ли|ло|лся|лась|лись|"
    r"ось|сь|ый|ий|ой|ая|яя|ое|ее|ые|ие|ого|его|ому|ему|ых|их|ыми|ими|ую|юю|ость|ости|ени[ея]|"
    r"ани[ея]|ции|ция|изм|изма)$"
)
#: English and Spanish endings of inflected and derived words (a superlative, a participle, an
#: adverb, an abstract noun; a Spanish infinitive or gerund with its pronouns: "dándote",
#: "emocionarme"): a rare word in lower case with one of them is a word, not a name.
_NOT_NAME_ENDING = {
    "en": re.compile(r"(?:est|ed|ing|ly|ness|ment|ous|ful|able|ible|ism|ist|ity)$"),
    "es": re.compile(
        r"(?:mente|ción|sión|(?:ar|er|ir|ándo|iéndo|ando|iendo)(?:me|te|se|nos|os|le|les|lo|la|"
        r"los|las)+|ísim[oa]s?)$"
    ),
}
#: A letter written three times ("Ummm", "дааа"): an interjection, not a name.
_DRAWN_OUT = re.compile(r"(\w)\1\1")


def _rare(word: str, language: str, data: NameData) -> bool:
    """Whether ``word`` is no common word of the language: wordfreq's list lacks it, and so do
    the project's lists of common words, places, brands and particles. Only a word of three
    letters or more in the comment's script (a Latin word in a Russian comment is a brand)."""
    folded = fold(word)
    for possessive in ("'s", "’s"):
        folded = folded.removesuffix(possessive)
    if len(folded) < 3 or _DRAWN_OUT.search(folded):
        return False
    if word.islower():
        ending = _NOT_NAME_ENDING.get(language)
        if ending is not None and ending.search(folded):
            return False
    if language == "ru":
        if not _CYRILLIC_WORD.match(word) or _RU_NOT_NAME_ENDING.search(folded):
            return False
    elif not _LATIN_WORD.match(word):
        return False
    if (
        folded in data.common
        or folded in data.not_names
        or folded in data.places
        or folded in data.particles
        or folded in data.place_words
    ):
        return False
    frequent = frequent_words(language)
    return not any(part in frequent for part in re.split(r"['’-]", folded) if part)


#: Diminutive suffixes, and the endings a given name has without them ("Катенька" → "Катя",
#: "Светик" → "Света", "Вован" → "Вова", "Алёнушка" → "Алёна", "Juanito" → "Juan").
_DIMINUTIVE_SUFFIXES = {
    "ru": ("енька", "онька", "ечка", "очка", "ичка", "ушка", "юшка", "уша", "юша", "уля", "юля",
           "уся", "юся", "ик", "ок", "ек", "ан", "ян", "ка", "ша", "ня", "ся"),
    "es": ("itos", "itas", "ito", "ita", "cito", "cita", "illo", "illa", "ín", "ina"),
}  # fmt: skip
_DIMINUTIVE_BASE_ENDINGS = {"ru": ("а", "я", ""), "es": ("", "o", "a", "os", "e")}


def _in_a_name_list(word: str, data: NameData, language: str) -> bool:
    """Whether any list holds ``word`` as a given name or a surname, names that are also words
    included ("Dolores", "Артур", "Ochoa")."""
    folded = fold(word)
    return (
        _in(word, data.first, language)
        or _in(word, data.surnames, language)
        or _in(word, data.world, language)
        or folded in data.other_first
        or folded in data.latin_world
        or _plain(folded) in data.cue_lower_names
    )


def _diminutive_of_a_name(word: str, data: NameData, language: str) -> bool:
    """Whether ``word`` is a given name of the lists with a diminutive suffix, in any case form
    ("танюше" → "Танюша" → "Таня"). Only a rare word: "Милка" or "bonita" are words."""
    suffixes = _DIMINUTIVE_SUFFIXES.get(language)
    if not suffixes or not _rare(word, language, data):
        return False
    endings = _DIMINUTIVE_BASE_ENDINGS[language]
    for lemma in _lemmas(word, language):
        for suffix in suffixes:
            if lemma.endswith(suffix) and len(lemma) - len(suffix) >= 2:
                stem = lemma[: -len(suffix)]
                if any(stem + ending in data.first for ending in endings):
                    return True
    return False


def _plain(word: str) -> str:
    """A word without its accents: names written in lower case often lose them ("jose")."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _is_post_cue(text: str, word: _Word, data: NameData) -> bool:
    """Whether what follows ``word`` says it is a person ("Zara, your colleague", "Ana de soporte")."""
    after = fold(text[word.end : word.end + 40])
    return any(after.startswith(cue) for cue in data.post_cues)


def _name_spans(text: str, language: str) -> list[Redaction]:
    if language not in LANGUAGES:
        return []
    data = name_data(language)
    words = _words(text)
    spans: list[Redaction] = []
    taken: set[int] = set()
    for index, word in enumerate(words):
        if index in taken:
            continue
        if not word.capitalised:
            if word.text.islower():
                end_index = _lower_case_name(text, words, index, taken, data, language)
                if end_index is not None:
                    taken.update(range(index, end_index + 1))
                    spans.append(Redaction(word.start, words[end_index].end, NAME))
            continue
        folded = fold(word.text)
        if folded.rstrip(".") in _SAINTS:
            continue  # "San", "Santa": a place's or a company's name begins ("San Cristóbal")
        if folded in data.not_names or (
            language == "ru" and _in(word.text, data.not_names, language)
        ):
            continue
        previous = words[index - 1] if index else None
        after_honorific = previous is not None and fold(previous.text).rstrip(".") in {
            h.rstrip(".") for h in data.honorifics
        }
        is_first = _in(word.text, data.first, language) or _diminutive_of_a_name(
            word.text, data, language
        )
        if is_first and word.sentence_start and _in(word.text, data.ambiguous, language):
            # "Will you…" is no name, "Will promised…" and "Grace, if you read this" are.
            is_first = _person_verb_follows(text, words, index, language) or _vocative_follows(
                text, word
            )
        shaped_surname = language == "ru" and bool(
            _RU_SURNAME.match(word.text) or _RU_PATRONYMIC.match(word.text)
        )
        cue = not word.sentence_start and _is_cue(words, index, data)
        mid_sentence = not word.sentence_start
        # "Yusuf y Mei Lin", "Юсуфу и Мэй Лин": a capitalised word joined to a name found just
        # before it is a name too.
        joined = mid_sentence and (
            (index >= 2 and index - 2 in taken and fold(words[index - 1].text) in data.and_words)
            # The cue carries over "and to", "y a" ("Gracias a Santiago y a León").
            or (
                index >= 3
                and index - 3 in taken
                and fold(words[index - 2].text) in data.and_words
                and fold(words[index - 1].text) in _FILLERS
            )
        )
        previous_word = words[index - 1] if index else None
        # After a preposition of place ("в Казани") or a word of a known brand ("Сбербанк
        # Онлайн") a capitalised word is a place or a product's name.
        after_place_word = previous_word is not None and (
            _in(previous_word.text, data.place_words, language)
            or (
                previous_word.capitalised
                and text[previous_word.end : word.start] == " "
                and (
                    _in(previous_word.text, data.not_names, language)
                    or _in(previous_word.text, data.places, language)
                )
            )
        )
        known_place = _in(word.text, data.places, language)
        # Inside a sentence a capitalised word is a name, a place, a brand or a product. In
        # Russian brands are mostly in Latin letters; in every language the gazetteers
        # (``places.txt``, ``not_names.txt``) know the common places and brands and a
        # preposition of place or a product's noun comes before the others ("в Казани", "in
        # Leeds", "tarifa Premium"). A capitalised word in the comment's script that is none
        # of these is taken for a name: a place the lists lack is over-redacted, not leaked.
        unknown_capitalised = (
            mid_sentence
            and not after_place_word
            and not known_place
            # A frequent word of the language that no list holds as a name, capitalised as a
            # brand's or a product's ("Mercado Libre", "Redmi Note", "Dell XPS"); a name no
            # list knows is rarer than that (wordfreq; ``BRAND_WORD_MIN_ZIPF``). Not in
            # Russian: its brands are in Latin letters, and names of other countries in
            # Cyrillic ("Артур", "Хуан") are frequent words there while the lists lack them.
            and (
                language == "ru"
                or folded not in frequent_words(language, BRAND_WORD_MIN_ZIPF)
                or _in_a_name_list(word.text, data, language)
            )
            and bool(
                _CYRILLIC_WORD.match(word.text)
                if language == "ru"
                else _LATIN_WORD.match(word.text)
            )
        )
        other_language_name = (
            mid_sentence
            and not after_place_word
            and not known_place
            and (
                folded in data.other_first
                or _in(word.text, data.world, language)
                or folded in data.latin_world
            )
        )
        post_cue = _is_post_cue(text, word, data)
        person_verb = _person_verb_follows(text, words, index, language) or _vocative_follows(
            text, word
        )
        rare = _rare(word.text, language, data)
        listed_elsewhere = (
            folded in data.world or folded in data.other_first or folded in data.latin_world
        )
        # A given name of anywhere at a sentence's start, before "and" or what says it is a
        # person: "Thandiwe on chat…", "Sergii and Olena…", "Mwangi helped…"; one that is no
        # common word of the language whatever follows ("Kwame rocks"); and a word no list
        # knows and the language does not use, before what is said of a person ("Zbyszko was…").
        if word.sentence_start and not known_place and (listed_elsewhere or rare):
            following = words[index + 1] if index + 1 < len(words) else None
            other_language_name = (
                following is not None
                and (
                    post_cue
                    or person_verb
                    or (listed_elsewhere and rare)
                    or (rare and _person_verb_follows(text, words, index, language, weak=True))
                    # Two words the language does not use, or one and a name of the lists: a given
                    # name and a surname ("Беата Ковач очень помогла").
                    or (
                        rare
                        and following.capitalised
                        and text[word.end : following.start] == " "
                        and (
                            _rare(following.text, language, data)
                            or _in_a_name_list(following.text, data, language)
                        )
                        and not _in(following.text, data.places, language)
                    )
                    or (
                        listed_elsewhere
                        and text[word.end : following.start] == " "
                        and fold(following.text) in data.and_words
                    )
                )
            )
        # A given name that is also a place or a brand ("Florence", "Alexa", "Santiago") or follows
        # "San", "Santa", "Saint" ("Santa Lucía") is a name only with something that says so.
        saint = previous_word is not None and fold(previous_word.text).rstrip(".") in _SAINTS
        person_said = after_honorific or post_cue or person_verb or cue or joined
        if (known_place or saint) and not person_said:
            continue
        if is_first is False and word.sentence_start and _in(word.text, data.first, language):
            # "Grace Hopper" at the start: an ambiguous name followed by a surname is a name.
            following = words[index + 1] if index + 1 < len(words) else None
            is_first = bool(
                following is not None
                and following.capitalised
                and text[word.end : following.start] == " "
                and fold(following.text) not in data.not_names
            )
        known_sign = (
            is_first
            or after_honorific
            or joined
            or other_language_name
            or post_cue
            or (cue and folded not in data.not_names)
            or (shaped_surname and not word.sentence_start)
            or (_in(word.text, data.surnames, language) and not word.sentence_start and cue)
        )
        if not (known_sign or unknown_capitalised):
            continue
        end_index = index
        # A surname (or a second given name) follows: "María José López de la Fuente".
        probe = index + 1
        while probe < len(words) and probe - index <= 4:
            candidate = words[probe]
            gap = text[words[probe - 1].end : candidate.start]
            # An initial's dot may stand between ("Смирнова Е. А.", "Роза Р.").
            initial_gap = len(words[probe - 1].text) == 1 and gap.strip(" ") == "."
            if (gap.strip(" ") not in {"", "-"} and not initial_gap) or "\n" in gap:
                break
            if fold(candidate.text) in data.particles and probe + 1 < len(words):
                if words[probe + 1].capitalised:
                    probe += 1
                    continue
                break
            if candidate.capitalised and fold(candidate.text) not in data.not_names:
                end_index = probe
                probe += 1
                continue
            break
        start_index = index
        # A given name the lists lack, just before a recognised surname: "Nadia Petrova".
        # (Not before a word taken only for being capitalised inside a sentence: "Это Рави".)
        # And a surname written first, whatever the given name ("Zhang Wei", "Nguyen Thi Lan").
        while start_index > 0 and (
            fold(words[start_index - 1].text) in data.surnames_first
            and words[start_index - 1].capitalised
            and text[words[start_index - 1].end : words[start_index].start] == " "
            and start_index - 1 not in taken
        ):
            start_index -= 1
        while start_index > 0 and not is_first and not after_honorific and known_sign:
            candidate = words[start_index - 1]
            if (
                not candidate.capitalised
                or fold(candidate.text) in data.not_names
                or _is_cue_word(candidate, data)
                # At a sentence's start only a word the lists know as a name ("Soy Ravi",
                # "Or Kwabena" keep their first word).
                or (
                    candidate.sentence_start
                    and not _in(candidate.text, data.first, language)
                    and not _in(candidate.text, data.surnames, language)
                    and fold(candidate.text) not in data.world
                    and fold(candidate.text) not in data.other_first
                )
                or text[candidate.end : words[start_index].start] != " "
                or start_index - 1 in taken
            ):
                break
            start_index -= 1
        for taken_index in range(start_index, end_index + 1):
            taken.add(taken_index)
        end = words[end_index].end
        if len(words[end_index].text) == 1 and text[end : end + 1] == ".":
            end += 1  # an initial, with its dot
        spans.append(Redaction(words[start_index].start, end, NAME))
    spans.extend(_names_listed_or_repeated(text, words, taken, data, language))
    spans.extend(_initials_and_surname(text, data, language))
    return spans


#: Words before which a repeated name is a thing again ("last April", "un Mercedes").
_DETERMINERS = frozenset(
    ["a", "an", "the", "last", "next", "this", "that", "every", "my", "our", "your",
     "un", "una", "el", "la", "los", "las", "mi", "tu", "su", "este", "esta", "ese", "esa",
     "мой", "моя", "мою", "этот", "эта", "эту", "прошлый", "прошлом"]
)  # fmt: skip


def _names_listed_or_repeated(
    text: str, words: Sequence[_Word], taken: set[int], data: NameData, language: str
) -> list[Redaction]:
    """The names a word-by-word reading leaves: a capitalised word written elsewhere in the
    comment as a name ("Sunny was friendly… sorry Sunny"), and a name-like word that starts a
    list of names ("…: Kevin, Yeimy y don Álvaro", "Артур, Зарина и Хуан")."""
    named = {fold(words[i].text) for i in taken if words[i].capitalised}
    spans: list[Redaction] = []
    # From the end, so that a list is taken back from its last name to its first.
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if index in taken or not word.capitalised:
            continue
        folded = fold(word.text)
        if folded in data.not_names or folded in data.honorifics:
            continue
        previous = words[index - 1] if index else None
        place = _in(word.text, data.places, language)
        # Not a name that is also a word or a place: "Vera from support… Vera in your service"
        # ("Вера в ваш сервис"), "Jordan from your team… Jordan is beautiful".
        repeated = (
            folded in named
            and not place
            and not _in(word.text, data.ambiguous, language)
            and not (previous is not None and fold(previous.text) in _DETERMINERS)
        )
        listed = False
        following = words[index + 1] if index + 1 < len(words) else None
        if not repeated and following is not None and index + 1 in taken:
            between = text[word.end : following.start]
            name_like = (
                _in(word.text, data.first, language)
                or folded in data.world
                or folded in data.other_first
                or folded in data.latin_world
                or _rare(word.text, language, data)
            )
            # A place joined to a given name is a person too ("Ángeles y Jesús se coordinaron").
            listed = (
                name_like
                and (not place or _in(following.text, data.first, language))
                and (between in {", ", ","} or between.strip(" ") in data.and_words)
            )
        if repeated or listed:
            taken.add(index)
            named.add(folded)
            spans.append(Redaction(word.start, word.end, NAME))
    return spans


#: Initials before a surname: "J. Martinez", "J. L. Barrios", "А. Петров", "MJ Olivares".
_INITIALS_SURNAME = re.compile(
    r"(?<![\w.])(?:[A-ZÁÉÍÓÚÑА-ЯЁ]\.\s?){1,3}([A-ZÁÉÍÓÚÑА-ЯЁ][a-záéíóúñüа-яё'’-]+)"
    r"|(?<![\w.])[A-ZÁÉÍÓÚÑ]{2} ([A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+)"
)


def _initials_and_surname(text: str, data: NameData, language: str) -> list[Redaction]:
    """Initials and the surname after them, when the surname is one of the lists, has a
    Russian surname's shape or is no common word ("P.S. Thanks", "U.S. Army", "TV Samsung"
    are not names)."""
    spans = []
    for match in _INITIALS_SURNAME.finditer(text):
        surname = match.group(1) or match.group(2)
        folded = fold(surname)
        if folded in data.not_names or _in(surname, data.places, language):
            continue
        if (
            _in(surname, data.surnames, language)
            or (language == "ru" and _RU_SURNAME.match(surname) is not None)
            or _rare(surname, language, data)
        ):
            spans.append(Redaction(match.start(), match.end(), NAME))
    return spans


#: Words after which a name is part of a place's or a company's ("Santa Lucía", "San José").
_SAINTS = frozenset(["san", "santa", "santo", "saint", "st", "sainte", "são", "sao"])


def _lower_case_name(
    text: str,
    words: Sequence[_Word],
    index: int,
    taken: set[int],
    data: NameData,
    language: str,
) -> int | None:
    """Where a name written in lower case ends ("thanks wei", "спасибо саше и лёше", "jose luis
    de atención"), or None. After a cue any given name of the lists counts (the world's too);
    at a sentence's start only a name of the language or its neighbours that is no common word
    (not in Russian, where "слава богу" starts many a sentence)."""
    word = words[index]
    folded = fold(word.text)
    if len(folded) < 3 or folded in data.common or folded in data.not_names:
        return None
    if folded in data.places or folded in data.particles:
        return None
    # The lists first, the context after: most lower-case words are no name, and looking for a
    # cue before each of them made a long comment three times slower.
    if language == "ru":
        listed = (
            _in(word.text, data.first, language) and not _in(word.text, data.ambiguous, language)
        ) or _diminutive_of_a_name(word.text, data, language)
    else:
        listed = _plain(folded) in data.cue_lower_names
    # A word the language does not use (wordfreq) and no list knows: a name only where a name
    # stands ("shoutout to bilal", "tomasz was amazing").
    rare = not listed and _rare(word.text, language, data)
    if not (listed or rare):
        # A surname of the lists, lower case, before what says it is a person ("nguyen from
        # tech support").
        if not (
            (folded in data.surnames or folded in data.surnames_first)
            and word.sentence_start
            and _is_post_cue(text, word, data)
        ):
            return None
        return index
    if word.sentence_start and (
        _is_post_cue(text, word, data)
        or _person_verb_follows(text, words, index, language)
        or _greeting_follows(text, word, language)
    ):
        # At a sentence's start, before what is said of a person ("sam from the store told
        # me", "саша в магазине сказал", "танюше привет").
        return index
    joined = (
        index >= 2 and index - 2 in taken and fold(words[index - 1].text) in data.and_words
    ) or (  # "gracias a nacho y a marta"
        index >= 3
        and index - 3 in taken
        and fold(words[index - 2].text) in data.and_words
        and fold(words[index - 1].text) in _FILLERS
    )
    if rare:
        # "soy malísima", "I'm a bookworm", "it is an ammenity": a rare word after "I am" (and
        # an article) is no name.
        before = index - 1
        while before >= 0 and fold(words[before].text) in _FILLERS:
            before -= 1
        if before >= 0 and fold(words[before].text) in _COPULAS:
            return None
    if joined or _is_cue(words, index, data):
        pass  # after "thanks to" even a name that is also a word ("rosa") is a name
    elif (
        rare
        or language == "ru"
        or not (word.sentence_start and len(folded) >= 4 and _plain(folded) in data.lower_names)
    ):
        return None
    end_index = index
    # "jose luis": a second lower-case given name right after.
    following = words[index + 1] if index + 1 < len(words) else None
    if (
        following is not None
        and language != "ru"
        and text[word.end : following.start] == " "
        and following.text.islower()
        and _plain(fold(following.text)) in data.lower_names
        and fold(following.text) not in data.common
    ):
        end_index = index + 1
    return end_index


#: Cue words after which a rare lower-case word is as often an adjective as a name.
_COPULAS = frozenset(["it's", "is", "i'm", "am", "soy", "eres", "es", "aquí", "это", "habla"])
#: Greetings and thanks after a name in the dative ("танюше привет и спасибо").
_GREETING_AFTER = {
    "ru": re.compile(r" (?:привет|спасибо|огромное спасибо|большое спасибо|респект)\b")
}


def _greeting_follows(text: str, word: _Word, language: str) -> bool:
    pattern = _GREETING_AFTER.get(language)
    return pattern is not None and pattern.match(text, word.end) is not None


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
        at_start = _starts_sentence(text, span.start)
        if len(words) == 1 and at_start:
            word = words[0].text
            if fold(word) in data.not_names or not (
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
    spans = _known_spans(text, known, language) + _pattern_spans(text) + _name_spans(text, language)
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
