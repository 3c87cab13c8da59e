"""Anonymisation: the marked corpus (≥ 60 comments per language) keeps recall ≥ 0.98, and each
layer — known identities, patterns, names — does its part."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tactful.satisfaction import anonymisation_eval
from tactful.satisfaction.anonymise import Known, anonymise, find_identifying, natasha_available

#: The files the rules were developed against (in-sample), per language.
DEVELOPMENT = ("", "_formerly_heldout", "_formerly_blind", "_formerly_blind2")


@pytest.mark.parametrize("language", ["en", "es", "ru"])
def test_the_corpus_recall_is_at_least_098(language):
    examples = []
    for suffix in DEVELOPMENT:
        path = anonymisation_eval.CORPUS_DIR / f"{language}{suffix}.jsonl"
        assert anonymisation_eval.kind_of(path.stem).startswith("development")
        examples += anonymisation_eval.load(path)
    assert len(examples) >= 80
    score = anonymisation_eval.score(examples, language=language, use_ner=False)
    assert score.recall >= 0.98, score.missed
    assert score.wrongly_removed <= 0.01


def test_the_evaluator_scores_every_corpus_file_and_says_what_it_is(tmp_path):
    line = '{"text": "Thanks [[Zbigniew]] for the help.", "known": {}}\n'
    for name in ("en.jsonl", "ru_blind.jsonl", "es_blind.jsonl", "en_notes.jsonl"):
        (tmp_path / name).write_text(line, encoding="utf-8")
    (tmp_path / "README.md").write_text("not a corpus file", encoding="utf-8")
    scores = anonymisation_eval.evaluate(use_ner=False, directory=tmp_path)
    assert sorted(scores) == ["en", "en_notes", "es_blind", "ru_blind"]
    assert scores["en"].spans == 1
    assert anonymisation_eval.kind_of("ru_blind").startswith("blind")
    assert anonymisation_eval.kind_of("en").startswith("development")
    assert anonymisation_eval.kind_of("en_formerly_heldout").startswith("development since")
    assert anonymisation_eval.kind_of("es_formerly_blind").startswith("development since")
    assert anonymisation_eval.kind_of("ru_formerly_blind2").startswith("development since")
    assert "not described" in anonymisation_eval.kind_of("en_notes")
    assert anonymisation_eval.language_of("ru_blind") == "ru"


def test_the_command_lists_every_corpus_file_with_what_it_is():
    out = StringIO()
    call_command("csat_anonymisation_eval", stdout=out)
    table = out.getvalue()
    for path in anonymisation_eval.CORPUS_DIR.glob("*.jsonl"):
        assert f"| {path.stem} | {anonymisation_eval.kind_of(path.stem)} | rules |" in table


def test_public_comments_are_read_unmasked_and_what_is_removed_is_counted(tmp_path):
    # The three formats of the shared data folder, in miniature (the suite runs without it).
    (tmp_path / "goemotions").mkdir()
    (tmp_path / "goemotions" / "test.tsv").write_text(
        "[NAME] was great, thanks Zbigniew\t0\tabc\nLovely weather today\t1\tdef\n",
        encoding="utf-8",
    )
    (tmp_path / "xlmt_sentiment_es").mkdir()
    (tmp_path / "xlmt_sentiment_es" / "test_text.txt").write_text(
        "@user qué buen día\n", encoding="utf-8"
    )
    (tmp_path / "ru_goemotions").mkdir()
    (tmp_path / "ru_goemotions" / "ru-go-emotions-simplified-test.csv").write_text(
        "ru_text,text,labels,id\n[ИМЯ] молодец,x,0,1\n", encoding="utf-8"
    )
    texts = anonymisation_eval.public_texts(tmp_path, "en")
    assert texts == [" was great, thanks Zbigniew", "Lovely weather today"]
    removal = anonymisation_eval.removed_from(texts, language="en")
    assert removal.comments == 2
    assert removal.removed == len("Zbigniew")
    assert removal.share == pytest.approx(len("Zbigniew") / removal.chars)
    assert anonymisation_eval.public_texts(tmp_path, "es") == [" qué buen día"]
    assert anonymisation_eval.public_texts(tmp_path, "ru") == [" молодец"]
    out = StringIO()
    call_command("csat_anonymisation_eval", public_data=tmp_path, stdout=out)
    assert "| goemotions/test.tsv | en | 2 | " in out.getvalue()


def test_the_command_says_when_the_public_data_folder_is_missing(tmp_path):
    with pytest.raises(CommandError, match="No data folder"):
        call_command("csat_anonymisation_eval", public_data=tmp_path / "absent", stdout=StringIO())


def test_the_customers_own_details_go_first():
    known = Known(
        names=("Ольга Петрова",),
        emails=("olga.p@example.ru",),
        phones=("+7 916 123 45 67",),
        handles=("@olga_p",),
    )
    text = "Это Ольга (olga.p, @olga_p), звоните 8 916 123-45-67. Петровой всё понравилось."
    result = anonymise(text, language="ru", known=known, use_ner=False)
    for secret in ("Ольга", "olga.p", "@olga_p", "916", "Петровой"):
        assert secret not in result.text, result.text
    assert "[имя]" in result.text and "[телефон]" in result.text


@pytest.mark.parametrize(
    ("text", "language", "gone"),
    [
        ("Card 4539 1488 0343 6467 was charged twice", "en", "4539"),
        ("IBAN ES91 2100 0418 4502 0005 1332 please", "es", "2100"),
        ("Mi pedido PED-2024-55821 no llegó", "es", "55821"),
        ("Заказ № 123456 так и не пришёл", "ru", "123456"),
        ("Open https://x.example.com/r?token=abc123def456 now", "en", "token"),
        ("Call +44 7700 900123 tomorrow", "en", "7700"),
        ("Send it to SW1A 1AA", "en", "SW1A"),
        ("Escríbeme a ana.lopez@correo.es ya", "es", "ana.lopez"),
    ],
)
def test_patterns_remove_numbers_and_addresses(text, language, gone):
    assert gone not in anonymise(text, language=language).text


@pytest.mark.parametrize(
    "text",
    [
        "The Premium plan upgrade went through on Tuesday without any issue.",
        "Muy rápido, 3 días antes de lo previsto y por 25 euros.",
        "Решили за 15 минут, 10 из 10!",
        "Fixed on 12.05.2024 at 14:30, price 1,299.",
    ],
)
def test_plain_feedback_is_left_alone(text):
    language = "ru" if "Решили" in text else "es" if "rápido" in text else "en"
    assert find_identifying(text, language=language, use_ner=False) == []


def test_russian_names_in_any_case_form_are_found():
    for text in (
        "Спасибо Ольге!",
        "Говорил с Виктором дважды.",
        "Передайте благодарность Наталье Ивановой.",
    ):
        assert find_identifying(text, language="ru", use_ner=False), text


@pytest.mark.skipif(not natasha_available(), reason="natasha is not installed")
def test_natasha_finds_a_russian_name_the_lists_lack():
    # A given name no list knows and that is a frequent word of Russian (a name of another
    # country in Cyrillic), at the start of a sentence, before a surname: the rules take only
    # the surname (the first word could be any word), the model both. ("Беата Ковач", two
    # words Russian does not use, the rules now take whole.)
    text = "Артур Ковач очень помог."
    assert "Артур" in anonymise(text, language="ru", use_ner=False).text
    assert anonymise(text, language="ru").text == "[имя] очень помог."


def test_huge_and_odd_text_does_not_break_it():
    text = ("Thanks Anna! " * 5000) + "\x00\ufffd" + "🙂" * 100
    result = anonymise(text, language="en", use_ner=False)
    assert "Anna" not in result.text


# --- the rules added for what the held-out comments showed (now development data) -------------
# The sentences below are new: none is in the corpus.


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        ("The parcel went to number 9 rather than 19 again.", "en", ["9", "19"], ["parcel"]),
        ("Please deliver to flat 4B, the buzzer is broken.", "en", ["4B"], ["buzzer"]),
        ("We live at house number 12, near the park.", "en", ["12"], ["park"]),
        ("Lo dejaron en el número 23 y no en el 32.", "es", ["23", "32"], ["dejaron"]),
        ("Vivo en el piso 5, puerta 2, y nadie llamó.", "es", ["5", "2"], ["nadie"]),
        ("Курьер приехал к дому 5 вместо 15.", "ru", ["5"], ["Курьер"]),
        ("Живу в квартире 12, третий этаж.", "ru", ["12"], ["третий"]),
    ],
)
def test_house_and_flat_numbers_on_their_own(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    for number in gone:
        assert f" {number} " not in f" {result} ".replace(",", " ").replace(".", " "), result
    for word in kept:
        assert word in result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I called 3 times and waited 2 days at home.", "en"),
        ("The flat 3 days later was fine, thanks.", "en"),
        ("Esperé 3 días y llamé 4 veces.", "es"),
        ("Я был дома 3 дня и ждал.", "ru"),
        ("Перезвонили через 2 часа, дома 5 минут сидел.", "ru"),
    ],
)
def test_counts_of_days_and_times_are_not_house_numbers(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


@pytest.mark.parametrize(
    ("text", "language", "digits"),
    [
        ("My card ends with 5521 and it was charged twice.", "en", "5521"),
        ("The last four digits are 7730, please check.", "en", "7730"),
        ("La tarjeta termina en 8812, revisen el cargo.", "es", "8812"),
        ("Los últimos cuatro dígitos: 1209.", "es", "1209"),
        ("Карта заканчивается на 4417, проверьте списание.", "ru", "4417"),
        ("Списали с карты, которая оканчивается на 0093.", "ru", "0093"),
        ("Последние 4 цифры 6610, это моя карта.", "ru", "6610"),
    ],
)
def test_the_last_digits_of_a_card_in_other_words(text, language, digits):
    assert digits not in anonymise(text, language=language, use_ner=False).text


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("Big thanks to Nkechi and Tomasz for the quick fix.", "en", ["Nkechi", "Tomasz"]),
        ("Muchas gracias a Olusegun y Harriet por la paciencia.", "es", ["Olusegun", "Harriet"]),
        ("Cinco estrellas para Bethany, muy paciente.", "es", ["Bethany"]),
        ("Спасибо Анне Сергеевне и Игорю за помощь.", "ru", ["Анне", "Сергеевне", "Игорю"]),
        ("Мой муж Дмитрий Олегович очень доволен.", "ru", ["Дмитрий", "Олегович"]),
        ("Ваш сотрудник Кузьмич всё наладил, а Петрович помог.", "ru", ["Кузьмич", "Петрович"]),
        ("С мамой Зульфиёй мы всё оформили за вечер.", "ru", ["Зульфиёй"]),
        ("Передайте спасибо моего начальника Гвидо Маркетти.", "ru", ["Гвидо", "Маркетти"]),
        ("Отдельная благодарность Нодиру, он всё объяснил.", "ru", ["Нодиру"]),
        ("Честно, Пётр Ильич молодец.", "ru", ["Пётр", "Ильич"]),
    ],
)
def test_names_the_lists_lack_after_cues_joins_and_in_any_form(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Посылка из Самары пришла в Тулу за два дня.", "ru"),
        ("Оплатил через Сбербанк Онлайн, всё прошло.", "ru"),
        ("Заказывал на Вайлдберриз, приложение Яндекс Маркет тоже удобное.", "ru"),
        ("Работаю в Новосибирске, доставка в Бердск быстрая.", "ru"),
        ("Подключили тариф Максимум, работает в Android и WhatsApp.", "ru"),
        ("El equipo en Bilbao lo arregló rápido con PayPal.", "es"),
        ("The team in Birmingham fixed it on Wednesday.", "en"),
    ],
)
def test_places_products_and_brands_stay(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


def test_the_word_before_a_name_taken_for_its_place_stays():
    # "Рави" is a name by its place in the sentence; "Это" before it is not part of it.
    result = anonymise("Это Рави: всё правильно.", language="ru", use_ner=False)
    assert result.text == "Это [имя]: всё правильно."


@pytest.mark.parametrize(
    ("text", "language"),
    [
        # Many words: finding a sentence's start once looked back over the whole text.
        ("Thanks Anna and Bob. " * 20_000, "en"),
        ("дом 1 и " * 20_000 + "5 дней", "ru"),
        ("at number 1 / " * 20_000, "en"),
        ("en el número 1 y no en el " * 20_000 + "x", "es"),
        ("Спасибо Ольге и " * 10_000, "ru"),
        ("1" * 200_000, "en"),
        ("4" * 19 + " " + "7" * 50_000, "es"),
        ("Anna Анна Ἀθηνᾶ 山田 " * 10_000, "ru"),
        ("Ж" * 100_000 + " 0" * 50_000, "en"),
        (("\u200b\u0301Ивано\u0301в " * 10_000), "ru"),
        # The patterns added later: spelt-out e-mails, codes with slashes, lower-case names.
        ("x dot " * 20_000, "en"),
        ("a-1" * 30_000, "es"),
        ("1/" * 50_000, "en"),
        ("спасибо саше и " * 10_000, "ru"),
        ("thanks to rosa and " * 10_000, "en"),
    ],
)
def test_huge_digits_only_and_mixed_script_comments_finish(text, language):
    # Linear by design (no nested quantifiers that can backtrack, sentence starts found by
    # looking back over whitespace only): each of these takes about a second at most.
    result = anonymise(text, language=language, use_ner=False)
    assert len(result.text) <= len(text) + 20 * len(result.redactions)


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        ("My Telegram is @ivan_petrov88, write there.", "en", "ivan_petrov88", "Telegram"),
        ("Escríbeme a @maria.lopez por Instagram.", "es", "maria.lopez", "Instagram"),
        ("Пишите в телеграм @olga_p_1990, отвечу.", "ru", "olga_p_1990", "отвечу"),
        ("Mail me at ana@example.com please.", "en", "ana@example", "please"),
    ],
)
def test_handles_nobody_told_us_about(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert gone not in result and kept in result, result


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("Lunch with Svetlana and Dmitry sorted it out.", "en", ["Svetlana", "Dmitry"]),
        ("Hablé con Sergey, muy amable.", "es", ["Sergey"]),
        ("Иван Палыч помог 🙂 Спасибо", "ru", ["Палыч"]),
    ],
)
def test_russian_names_in_latin_letters_and_colloquial_patronymics(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    "text",
    ["Всё супер) Доставили быстро.", "Спасибо 🙂 Очень помогли!", "Ок… Разобрались за час."],
)
def test_a_sentence_after_a_smile_or_an_emoji_starts_a_new_one(text):
    # Its first word is capitalised because it starts a sentence, not because it is a name.
    assert find_identifying(text, language="ru", use_ner=False) == []


@pytest.mark.parametrize(
    "text",
    [
        "Спасибо Вам большое, Вы очень помогли, Ваш сотрудник молодец, Вашей компании успехов.",
        "Огромное спасибо Службе Поддержки и Вашему Банку!",
        "Оформил Личный Кабинет, всё ок.",
        "Приложение Госуслуги работает, Интернет быстрый, Бог в помощь.",
    ],
)
def test_the_polite_you_and_nouns_customers_capitalise_stay(text):
    assert find_identifying(text, language="ru", use_ner=False) == []


def test_a_name_beside_the_polite_you_still_goes():
    assert anonymise("Спасибо Вам и Ольге Петровне!", language="ru", use_ner=False).text == (
        "Спасибо Вам и [имя]!"
    )


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("My neighbour Doreen took the parcel in.", "en", ["Doreen"]),
        ("The engineer, Tariq, fixed the boiler.", "en", ["Tariq"]),
        ("Ask Wojciech in billing, he has the details.", "en", ["Wojciech"]),
        ("Hablé dos veces con Agnieszka y lo tenía claro.", "es", ["Agnieszka"]),
        ("El bot no sirvió, pero Chidi por teléfono fue genial.", "es", ["Chidi"]),
        ("Gracias a Santiago y a León, de Valencia.", "es", ["Santiago", "León"]),
        ("Вчера Гульнара перезвонила и всё объяснила.", "ru", ["Гульнара"]),
    ],
)
def test_a_capitalised_word_inside_a_sentence_that_is_no_known_place_is_a_name(
    text, language, names
):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("I use Excel and Outlook on the Gold plan in Dublin.", "en"),
        ("The Help Centre article was clear, thanks Customer Service.", "en"),
        ("The parcel went from Leeds to Glasgow via Carlisle.", "en"),
        ("Lo pagué con Bizum y llegó por Correos a Zaragoza.", "es"),
        ("Buen trabajo del equipo de Facturación, desde Oviedo.", "es"),
    ],
)
def test_known_places_brands_and_departments_are_not_names(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


def test_a_spanish_street_written_in_lower_case():
    result = anonymise("Vivo en la calle Alcalá 120, 4º izquierda.", language="es", use_ner=False)
    # The door ("izquierda") goes with its floor: together they tell the flat.
    assert result.text == "Vivo en la [dirección]."


# --- rules added for what the formerly blind files missed (2026-12-06, evening) -------------
# Each tried on sentences of its own, none taken from the corpus.


@pytest.mark.parametrize(
    ("text", "language", "names", "kept"),
    [
        # Given names of other countries (lang/world/), at a sentence's start before "and" or a
        # person's verb, and a Ukrainian name in its Ukrainian Latin spelling.
        ("Kwabena and Ngozi answered within minutes.", "en", ["Kwabena", "Ngozi"], "answered"),
        ("Chiamaka helped me with the refund form.", "en", ["Chiamaka"], "refund"),
        ("Oleksandr solved it on the second call.", "en", ["Oleksandr"], "second"),
        ("Mihai me explicó la factura con calma.", "es", ["Mihai"], "factura"),
        ("Стефан помог настроить роутер.", "ru", ["Стефан"], "роутер"),
        # A surname written first ("Zhang Wei"): the given name found, the surname before it too.
        (
            "The engineer (Takahashi Yuki, I believe) fixed it.",
            "en",
            ["Takahashi", "Yuki"],
            "fixed",
        ),
        ("the long Anna story ends well", "en", ["Anna"], "long"),
        # In Russian a Latin-script word is a brand, unless it is a given name of the lists.
        ("Спасибо Ulrike и Svend за перевод.", "ru", ["Ulrike", "Svend"], "перевод"),
    ],
)
def test_given_names_of_other_countries(text, language, names, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert kept in result, result
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("big thanks to priya for the refund", "en", ["priya"]),
        ("sarah sorted the invoice in no time", "en", ["sarah"]),
        ("thanks to holly for the callback", "en", ["holly"]),  # a word too, but after a cue
        ("gracias a nacho y a marta por todo", "es", ["nacho", "marta"]),
        ("marta me ayudó con la devolución", "es", ["marta"]),
        ("спасибо пете и ване за помощь", "ru", ["пете", "ване"]),
    ],
)
def test_names_written_in_lower_case(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("thanks again for the quick fix, hope it lasts", "en"),
        ("thanks so much, will order again", "en"),
        ("gracias por todo, la paz del cliente es lo primero", "es"),
        ("спасибо большое за помощь, слава богу всё работает", "ru"),
    ],
)
def test_lower_case_words_that_are_no_names_stay(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        # A name that is also a word counts at a sentence's start only before a person's verb.
        ("Will helped me out with the return.", "en", "Will", "return"),
        ("Will you ever call me back?", "en", None, "Will"),
        ("Paz me explicó todo con calma.", "es", "Paz", "calma"),
        ("Надежда помогла с возвратом.", "ru", "Надежда", "возвратом"),
        ("Надежда на вас, исправьте поскорее.", "ru", None, "Надежда"),
        # A name that is also a place or a brand: a name only with something that says so.
        ("We flew from Sydney to Perth in May.", "en", None, "Sydney"),
        ("Sydney from billing called me back.", "en", "Sydney", "billing"),
        ("El seguro de San Cristóbal no cubre el robo.", "es", None, "Cristóbal"),
        ("Gracias a Florencia de devoluciones.", "es", "Florencia", "devoluciones"),
    ],
)
def test_names_that_are_also_words_or_places(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert kept in result, result
    if gone:
        assert gone not in result, result


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        ("Деньги получила Кузнецова Т. С., спасибо.", "ru", "Т. С.", "спасибо"),
        ("Курьер Степан приехал вовремя.", "ru", "Степан", "Курьер"),
        ("Signed for by Okafor B. at the door.", "en", "B.", "door"),
    ],
)
def test_initials_go_with_the_name_and_the_cue_stays(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert gone not in result and kept in result, result


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        ("write to maria dot garcia at hotmail dot com please", "en", "garcia", "please"),
        ("escribe a pepe.ruiz arroba yahoo punto es si puedes", "es", "pepe.ruiz", "puedes"),
        ("пишите: petrov собака mail точка ru, отвечу", "ru", "petrov", "отвечу"),
        ("refund to the card **** 5521 please", "en", "5521", "card"),
        ("tracking number 9Z 123 AB4 56 7890 1234 shows nothing", "en", "7890", "shows"),
        ("Su expediente REF/2025/44321 sigue abierto.", "es", "44321", "expediente"),
        ("Акт АБ-2025/118 так и не подписали.", "ru", "118", "подписали"),
        ("Send it to Flat 12, 8 Mill Lane, please.", "en", "Flat 12", "please"),
        ("Vivo en Carrer de Balmes 120, piso 3, Barcelona.", "es", "piso 3", "Vivo"),
        ("Доставьте на пр. Ленина, д. 5, кв. 10, пожалуйста.", "ru", "Ленина", "пожалуйста"),
        ("Paid with the card (4539 1488 0343 6467 was refused).", "en", "4539", "(["),
    ],
)
def test_identifiers_written_other_ways(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert gone not in result and kept in result, result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Look at the box, it was dented.", "en"),
        ("A 30-day trial and a 2-year warranty, fine.", "en"),
        ("Fue a las 10 y 5 de la tarde, todo bien.", "es"),
    ],
)
def test_words_and_numbers_like_identifiers_stay(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


def test_a_known_name_that_is_also_a_word_goes_only_as_a_name():
    known = Known(names=("Hope Mensah",))
    result = anonymise("I hope Hope reads this.", language="en", known=known, use_ner=False)
    assert result.text == "I hope [name] reads this.", result.text
    known = Known(names=("Luz Ortega",))
    result = anonymise("Sin luz dos días. Luz Ortega", language="es", known=known, use_ner=False)
    assert result.text == "Sin luz dos días. [nombre]", result.text


# --- general cues added on the night of 2026-12-06: rare words, diminutives, lists, initials ---


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        # A given name of the lists that is no common word of the language, whatever follows.
        ("Oluwaseun rocks, the router works again.", "en", ["Oluwaseun"]),
        # A word neither the lists nor the language know, before what is said of a person.
        ("Zbyszko escalated it the same day.", "en", ["Zbyszko"]),
        ("Tendai is a star and she knows it.", "en", ["Tendai"]),
        ("Kwabenaa answers every time.", "en", ["Kwabenaa"]),
        ("Гульнарочка отвечает быстро.", "ru", ["Гульнарочка"]),
        ("Yesenia es la mejor, me resolvió todo.", "es", ["Yesenia"]),
        ("Wendolyn se encargó de la devolución.", "es", ["Wendolyn"]),
        ("Гульнара — лучший оператор!", "ru", ["Гульнара"]),
        ("Айгуль очень помогла с возвратом.", "ru", ["Айгуль"]),
        # Two words the language does not use, one after the other: a given name and a surname.
        ("Беата Ковач очень помогла.", "ru", ["Беата", "Ковач"]),
        ("Ngozi Adaeze sorted the refund.", "en", ["Ngozi", "Adaeze"]),
    ],
)
def test_a_name_no_common_word_at_a_sentences_start(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result
    assert result.split()[-1] == text.split()[-1]


@pytest.mark.parametrize(
    ("text", "language", "kept"),
    [
        # Rare words of the language that start a sentence: adjectives, adverbs, imperatives.
        ("Gorgeous packaging. Unbelievable speed.", "en", ["Gorgeous", "Unbelievable"]),
        ("Rapidísimo. Buenísimo el trato.", "es", ["Rapidísimo", "Buenísimo"]),
        ("Перезвоните мне завтра. Привезите в субботу.", "ru", ["Перезвоните", "Привезите"]),
        ("Will you call me back? Hope it works.", "en", ["Will", "Hope"]),
        ("Valencia es preciosa y Sevilla también.", "es", ["Valencia", "Sevilla"]),
        ("Xiaomi Redmi llegó roto.", "es", ["Xiaomi Redmi"]),
        # Frequent words capitalised as a brand's or a product's are no names.
        ("The Dell laptop works and the Note app syncs.", "en", ["Dell", "Note"]),
        ("Lo compré en Mercado Libre y llegó bien.", "es", ["Mercado Libre"]),
        ("Спасибо всем, очень быстро.", "ru", ["Спасибо всем"]),
        ("Thanks to everyone on the team, amazing!", "en", ["everyone", "amazing"]),
        ("Gracias a todos, increíble servicio.", "es", ["todos", "increíble"]),
        # Rare words in lower case after a cue and an article, or inflected: still words.
        ("I'm a bookworm and it is an ammenity, thanks the wisest.", "en", ["bookworm"]),
        ("I'd love to collab on this.", "en", ["collab"]),
        ("Soy de emocionarme, y quiero lanzarme ya.", "es", ["emocionarme", "lanzarme"]),
        ("Ummm, vale.", "es", ["Ummm"]),
        ("Соберись и перезвони.", "ru", ["Соберись"]),
    ],
)
def test_rare_and_common_words_that_are_no_names_stay(text, language, kept):
    result = anonymise(text, language=language, use_ner=False)
    assert result.redactions == (), result.text
    for word in kept:
        assert word in result.text


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        ("Машенька, вы чудо!", "ru", ["Машенька"]),
        ("Димочка всё починил за пять минут.", "ru", ["Димочка"]),
        ("серёженьке привет из Самары", "ru", ["серёженьке"]),
        ("Juanito me ayudó con la factura.", "es", ["Juanito"]),
    ],
)
def test_diminutives_of_names_the_lists_know(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language", "names"),
    [
        # A lower-case word the language does not use, after a greeting or thanks.
        ("big shoutout to oluwaseun!!", "en", ["oluwaseun"]),
        ("un abrazo a wilfredo por la paciencia", "es", ["wilfredo"]),
        ("привет гульнаре из поддержки", "ru", ["гульнаре"]),
        # At a sentence's start, before what says it is a person.
        ("ifeanyi from billing called back twice", "en", ["ifeanyi"]),
        ("yesenia de facturación me llamó ayer", "es", ["yesenia"]),
        ("гульнара из поддержки перезвонила", "ru", ["гульнара"]),
    ],
)
def test_lower_case_names_where_a_name_stands(text, language, names):
    result = anonymise(text, language=language, use_ner=False).text
    for name in names:
        assert name not in result, result


@pytest.mark.parametrize(
    ("text", "language", "name", "kept"),
    [
        ("Grace, you saved my week.", "en", "Grace", "saved my week"),
        ("Rocío, usted es un sol.", "es", "Rocío", "usted es un sol"),
        ("Вера, вы лучшая!", "ru", "Вера", "вы лучшая"),
    ],
)
def test_a_name_that_is_also_a_word_spoken_to(text, language, name, kept):
    result = anonymise(text, language=language, use_ner=False).text
    assert name not in result and kept in result, result


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("Called three times: Tariq, Ximena and Tariq again.", "en", "Tariq"),
        ("Tres llamadas: Ximena, Yeison y otra vez Ximena.", "es", "Ximena"),
        ("Трижды звонил: Гульнара, Тимур и снова Гульнара.", "ru", "Гульнара"),
    ],
)
def test_a_list_of_names_and_a_name_said_twice(text, language, name):
    result = anonymise(text, language=language, use_ner=False).text
    assert name not in result, result
    assert result.count("[") == 3, result


def test_a_name_said_twice_is_not_carried_to_the_thing_of_the_same_word():
    result = anonymise(
        "Jordan from your team was great. Jordan is beautiful, the flight too.", language="en"
    ).text
    assert result.startswith("[name] from your team") and "Jordan is beautiful" in result


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        ("Ask for R. Okafor in billing.", "en", "Okafor", "billing"),
        ("Me atendió M. A. Quiñones, muy bien.", "es", "Quiñones", "muy bien"),
        ("Спасибо Н. Ковальчуку за помощь.", "ru", "Ковальчуку", "за помощь"),
        ("P.S. Thanks for everything. The U.S. Army box arrived.", "en", None, "U.S. Army"),
    ],
)
def test_initials_before_a_surname(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    if gone:
        assert gone not in result, result
    else:
        assert result == text
    assert kept in result


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        (
            "Mi NIE es Y7654321G y el DNI de mi madre 12345678Z.",
            "es",
            ["Y7654321G", "12345678Z"],
            "madre",
        ),
        ("Please refund to sort code 40-11-62, thanks.", "en", ["40-11-62"], "thanks"),
        ("My passport number is AB1234567.", "en", ["AB1234567"], "passport"),
        ("Мой СНИЛС 123-456-789 01, проверьте.", "ru", ["123-456-789 01"], "проверьте"),
        ("Vivo en el 3º D y el paquete fue al 1º dcha.", "es", ["3º D", "1º dcha."], "paquete"),
        ("Доставьте на пр-т Ленина, 15к1, спасибо.", "ru", ["Ленина", "15к1"], "спасибо"),
        ("Живу на ул. Садовая, 7 уже год.", "ru", ["Садовая, 7"], "уже год"),
        ("Ticket #B-55120 still open.", "en", ["B-55120"], "still open"),
        ("С карты на 9921 списали дважды.", "ru", ["9921"], "дважды"),
        ("Déjenlo en Av. Juárez 88, int. 12, por favor.", "es", ["int. 12"], "por favor"),
        ("They left it at 9B instead of my door.", "en", ["9B"], "instead"),
    ],
)
def test_identifiers_in_general_forms(text, language, gone, kept):
    result = anonymise(text, language=language, use_ner=False).text
    for value in gone:
        assert value not in result, result
    assert kept in result, result


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Ganó el 2º premio y quedó 3º en la liga.", "es"),
        ("Arrived at 5PM, the 4K screen is great.", "en"),
        ("Ждал 3 дня, оценка 5 из 5.", "ru"),
    ],
)
def test_ordinals_times_and_counts_are_no_identifiers(text, language):
    assert find_identifying(text, language=language, use_ner=False) == []


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Zbyszko, " * 30_000, "en"),
        ("Катенька и " * 20_000, "ru"),
        ("un abrazo a wilfredo y " * 10_000, "es"),
        ("J. " * 50_000 + "Okafor", "en"),
        ("4º " * 50_000, "es"),
    ],
)
def test_huge_comments_of_rare_words_lists_and_initials_finish(text, language):
    # Each word is looked at a bounded number of times (the list pass walks back once).
    result = anonymise(text, language=language, use_ner=False)
    assert len(result.text) <= len(text) + 20 * len(result.redactions)
