"""Write the anonymiser's person-name lists (src/tactful/satisfaction/lang/*/names.txt).

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


if __name__ == "__main__":
    main()
