"""Write the anonymiser's person-name lists (src/tactful/satisfaction/lang/*/names.txt).

Also ``lang/world/{latin,cyrillic}.txt``: the given names of every locale Faker has, per script
(Chinese, Japanese and Korean ones in their romanised forms), since customers and agents bear
names from everywhere ("Aigerim", "Thandiwe", "Wei"); and ``lang/<language>/common_words.txt``
(Faker's lorem words of that language), which a name of the world lists must not be, since
those lists are read at the start of sentences and in lower case as well.

Run once by a developer, never at run time: the lists are committed data. They come from the
person providers of Faker (MIT licence; pinned below), whose lists are census and registry
names per locale:

    python -m venv /tmp/names && /tmp/names/bin/pip install faker==40.54.0
    /tmp/names/bin/python scripts/build_name_lists.py

Hand-written additions (diminutives, names the providers lack) live beside the output in
``extra_names.txt`` and are read by the anonymiser itself.
"""

from __future__ import annotations

from pathlib import Path

from faker import Faker

OUT = Path(__file__).resolve().parents[1] / "src" / "tactful" / "satisfaction" / "lang"
LOCALES = {"en": ["en_US", "en_GB"], "es": ["es_ES", "es_MX"], "ru": ["ru_RU"]}


def person_provider(locale: str) -> object:
    return next(p for p in Faker(locale).providers if "person" in type(p).__module__)


def words(names: object) -> set[str]:
    found: set[str] = set()
    for name in names:  # type: ignore[attr-defined]
        for part in str(name).replace("-", " ").split():
            if len(part) > 1 and part[0].isupper():
                found.add(part)
    return found


WORLD = OUT / "world"
#: Romanised given names (the native-script ones are of no use in en/es/ru comments).
ROMANISED = ("zh_CN", "zh_TW", "ja_JP", "ko_KR")
LOREM = {"en": "en_US", "es": "es_ES", "ru": "ru_RU"}


def world_names() -> None:
    from faker.config import AVAILABLE_LOCALES

    latin: set[str] = set()
    cyrillic: set[str] = set()
    for locale in AVAILABLE_LOCALES:
        try:
            provider = person_provider(locale)
        except (StopIteration, AttributeError):
            continue
        found: set[str] = set()
        if locale in ROMANISED:
            found |= words(getattr(provider, "first_romanized_names", ()))
        else:
            for attribute in ("first_names", "first_names_male", "first_names_female"):
                found |= words(getattr(provider, attribute, ()))
        for name in found:
            # Written as a name is (not "WEI"), and long enough not to be a syllable ("An").
            if len(name) < 3 or not name.istitle():
                continue
            if name.isalpha() and all(
                "a" <= c.lower() <= "z" or "à" <= c.lower() <= "ž" for c in name
            ):
                latin.add(name)
            elif name.isalpha() and all(
                "а" <= c.lower() <= "я" or c.lower() in "ёіїєґ'" for c in name
            ):
                cyrillic.add(name)
    WORLD.mkdir(parents=True, exist_ok=True)
    header = "# Given names of every Faker 40.54.0 locale in this script (MIT), romanised for zh/ja/ko.\n"
    (WORLD / "latin.txt").write_text(header + "\n".join(sorted(latin)) + "\n", encoding="utf-8")
    (WORLD / "cyrillic.txt").write_text(
        header + "\n".join(sorted(cyrillic)) + "\n", encoding="utf-8"
    )
    print("world:", len(latin), "latin,", len(cyrillic), "cyrillic given names")
    # Chinese, Japanese, Korean and Vietnamese surnames, which come first ("Zhang Wei").
    surnames_first: set[str] = set()
    for locale in (*ROMANISED, "vi_VN"):
        provider = person_provider(locale)
        for attribute in ("last_romanized_names", "last_names"):
            for name in words(getattr(provider, attribute, ())):
                if len(name) >= 2 and name.istitle() and name.isascii() and name.isalpha():
                    surnames_first.add(name)
    (WORLD / "surnames_first.txt").write_text(
        "# Romanised zh/ja/ko and Vietnamese surnames (Faker 40.54.0, MIT): written first.\n"
        + "\n".join(sorted(surnames_first))
        + "\n",
        encoding="utf-8",
    )
    for language, locale in LOREM.items():
        provider = next(p for p in Faker(locale).providers if "lorem" in type(p).__module__)
        common = sorted({str(w).lower() for w in getattr(provider, "word_list", ())})
        (OUT / language / "common_words.txt").write_text(
            f"# Common words ({locale}), from Faker 40.54.0's lorem provider (MIT).\n"
            + "\n".join(common)
            + "\n",
            encoding="utf-8",
        )


#: Real place names of Faker's address providers, per language: one-word ones only (a word of
#: "Santa Rosa" alone is no place), so that a capitalised place is not taken for a name.
PLACES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "en_US": ("countries", "states"),
        "en_GB": ("counties",),
        "en_IN": ("cities", "states"),
        "de_DE": ("cities",),
    },
    "es": {
        "es_ES": ("countries", "states", "regions"),
        "es_MX": ("states",),
        "es_AR": ("provinces",),
        "es_CL": ("communes", "regions"),
    },
    "ru": {"ru_RU": ("countries", "city_names", "region_oblast", "region_republics")},
}


def world_places() -> None:
    for language, sources in PLACES.items():
        found: set[str] = set()
        for locale, attributes in sources.items():
            provider = next(p for p in Faker(locale).providers if "address" in type(p).__module__)
            for attribute in attributes:
                for place in getattr(provider, attribute, ()):
                    if " " not in place and len(place) >= 4 and place[0].isupper():
                        found.add(place)
        (OUT / language / "world_places.txt").write_text(
            f"# One-word places ({', '.join(sources)}), from Faker 40.54.0's address providers.\n"
            + "\n".join(sorted(found))
            + "\n",
            encoding="utf-8",
        )
        print(language, len(found), "places")


def main() -> None:
    for language, locales in LOCALES.items():
        first: set[str] = set()
        last: set[str] = set()
        for locale in locales:
            provider = person_provider(locale)
            first |= words(getattr(provider, "first_names_male", ()))
            first |= words(getattr(provider, "first_names_female", ()))
            first |= words(getattr(provider, "first_names", ()))
            last |= words(getattr(provider, "last_names", ()))
            last |= words(getattr(provider, "last_names_male", ()))
            last |= words(getattr(provider, "last_names_female", ()))
        folder = OUT / language
        folder.mkdir(parents=True, exist_ok=True)
        header = (
            f"# Person names ({', '.join(locales)}), from Faker 40.54.0's person providers (MIT).\n"
        )
        (folder / "first_names.txt").write_text(
            header + "\n".join(sorted(first)) + "\n", encoding="utf-8"
        )
        (folder / "surnames.txt").write_text(
            header + "\n".join(sorted(last - first)) + "\n", encoding="utf-8"
        )
        print(language, len(first), "first names,", len(last - first), "surnames")
    world_names()
    world_places()


if __name__ == "__main__":
    main()
