"""Each importer step alone: decode, HTML, clutter, articles, sections, rules, blocks, naming."""

from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from kb.importer import STEPS, ProcedureImportError, import_text, plan_import
from kb.importer.articles import find_articles
from kb.importer.blocks import extract_blocks, parse_queues
from kb.importer.clutter import (
    Page,
    cut_footer,
    drop_edge_teasers,
    is_clutter_line,
    is_teaser,
    page_date,
    strip_clutter,
    strip_title_suffix,
)
from kb.importer.decode import decode, normalize_text
from kb.importer.html_text import html_to_text, looks_like_html
from kb.importer.naming import article_id, file_name, line_for, section_id
from kb.importer.rules import (
    link_cross_refs,
    rule_markdown,
    split_enumeration,
    split_footnotes,
    split_subpoints,
)
from kb.importer.sections import find_sections
from kb.paths import bundled_source

RU = "Перевод на линию старших специалистов — «ТВ везде», ёлка"

# ----------------------------------------------------------------------------- decode


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (RU.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + RU.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF16_LE + RU.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + RU.encode("utf-16-be"), "utf-16-be"),
        (RU.encode("utf-16-le"), "utf-16-le"),
        (RU.encode("cp1251"), "cp1251"),
        (RU.encode("koi8-r", errors="replace"), "koi8-r"),
    ],
)
def test_decode_detects_encoding(data: bytes, encoding: str) -> None:
    decoded = decode(data)
    assert decoded.encoding == encoding
    assert decoded.text.lstrip("\ufeff").startswith("Перевод на линию старших специалистов")


def test_decode_reports_undecodable_bytes() -> None:
    decoded = decode(codecs.BOM_UTF8 + b"ok \xff\xfe")
    assert decoded.warnings == ("заменено нечитаемых байтов: 2 (кодировка utf-8)",)


def test_normalize_text_line_ends_and_odd_spaces() -> None:
    raw = "a\u00a0b\r\nc\u202fd\te\rf\u200bg\u00ad  h  \n\u00a0\n\ufeffi"
    assert normalize_text(raw) == "a b\nc d e\nfg h\n\ni"


# ----------------------------------------------------------------------------- html


def test_looks_like_html() -> None:
    assert not looks_like_html('Приветствие :"Здравствуйте, специалист,<имя>. Я буду рад(а)"')
    assert looks_like_html("<html><body><p>x</p></body></html>")
    assert looks_like_html("<p>Раздел</p>\n<p>1) a <b>b</b></p>")  # a fragment copied from a browser
    text = bundled_source().read_text(encoding="utf-8")
    assert not looks_like_html("Как вставить <p> и <br> в текст\n" + text)


def test_html_to_text_keeps_breaks_and_drops_scripts_styles_nav() -> None:
    page = (
        "<html><head><title>T — Site</title><style>p {}</style><script>var a='1) x';</script></head>"
        "<body><nav>Меню | Заказать</nav><p>Финансовые&nbsp;вопросы<br>1) a &quot;b&quot;\n   2) c</p>"
        "<div><p>Второй</p></div></body></html>"
    )
    assert html_to_text(page) == 'T — Site\n\nФинансовые\u00a0вопросы\n1) a "b" 2) c\n\nВторой\n'


# ----------------------------------------------------------------------------- clutter


def test_strip_title_suffix() -> None:
    lines, title, site = strip_title_suffix(["", "Перевод на линию MNP — КиберПедия", "x"])
    assert (lines, title, site) == (["", "Перевод на линию MNP", "x"], "Перевод на линию MNP", "КиберПедия")
    assert strip_title_suffix(["Заголовок | Справочник оператора"])[2] == "Справочник оператора"
    assert strip_title_suffix(["Обычная строка - без сайта"])[1:] == ("", "")


@pytest.mark.parametrize(
    ("line", "date"),
    [("2017-11-22 235", "2017-11-22"), ("22.11.2017, 10:15", "2017-11-22"), ("2017-11-22", "2017-11-22")],
)
def test_page_date(line: str, date: str) -> None:
    assert page_date(line) == date


@pytest.mark.parametrize("line", ["2017-11-22 года клиент", "1) 2017-11-22", "22.11.2017 г. заявка"])
def test_page_date_needs_a_date_only_line(line: str) -> None:
    assert page_date(line) == ""


@pytest.mark.parametrize(
    "line",
    [
        "Перевод на линию старших специалистов 0.00 из 5.00 0 оценок",
        "Рейтинг: 4,7",
        "Просмотров: 412",
        "Заказать работу",
        "Поделиться с друзьями:",
        "Читайте также:",
        "0.014 с.",
        "Страница сгенерирована за 0,021 сек.",
        "© cyberpedia.su 2017-2024 - Не является автором материалов.",
        "Если вы не хотите, чтобы данный материал был у нас на сайте, перейдите по ссылке",
    ],
)
def test_clutter_lines(line: str) -> None:
    assert is_clutter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Финансовые вопросы",
        "1) Проблема с использованием модема при повторном обращении. 2) Заказать работу",
        "Ответ приходит через 5 с. после запроса, если услуга подключена",
        "Для ЦКС Новосибирск, Барнаул - 700262 MNP_hot_line_ASIA",
        "Список вопросов для перевода:",
    ],
)
def test_body_lines_are_not_clutter(line: str) -> None:
    assert not is_clutter_line(line)


def test_bare_site_name_is_clutter() -> None:
    assert is_clutter_line("КиберПедия", site="КиберПедия")


@pytest.mark.parametrize(
    "text",
    [
        "Папиллярные узоры пальцев рук - маркер спортивных способностей: дерматоглифические признаки "
        "формируются на 3-5 месяце беременности, не изменяются в течение жизни...",
        "Биохимия спиртового брожения: Основу технологии получения пива составляет спиртовое брожение...",
        "Как выбрать тариф для поездки: прежде чем ехать в роуминг, стоит проверить пакеты…",
    ],
)
def test_teasers(text: str) -> None:
    assert is_teaser(text)


@pytest.mark.parametrize(
    "text",
    [
        "Финансовые вопросы",
        "1) Неверная тарификация: тарификация в роуминге...",
        "Любые консультационные звонки с сотрудниками MNP ЗАПРЕЩЕНЫ! Сотрудники переводят...",
        "Список вопросов для перевода:",
    ],
)
def test_not_teasers(text: str) -> None:
    assert not is_teaser(text)


def test_drop_edge_teasers_stops_at_body() -> None:
    teaser = "Тизер другой статьи: начало текста..."
    lines = [
        "",
        teaser,
        "Раздел",
        "1) правило",
        teaser,
        "1) правило",
        "",
        teaser,
        "",
        "Ещё тизер: и ещё текст…",
    ]
    assert drop_edge_teasers(lines) == (["Раздел", "1) правило", teaser, "1) правило"], 3)


def test_cut_footer_from_last_copyright() -> None:
    lines = ["Статья", "© site 2017", "Если вы не хотите…", "0.014 с."]
    assert cut_footer(lines) == ["Статья"]
    with_article_after = ["© шапка сайта", "СУЗ: Процедуры > Статья", "1) правило"]
    assert cut_footer(with_article_after) == with_article_after


def test_strip_clutter_keeps_body_and_finds_date() -> None:
    page = strip_clutter(
        ["Заголовок — Сайт", "2017-11-22 235", "Заказать работу", "СУЗ: А > Б", "1) правило", "© Сайт", "x"]
    )
    assert page.lines == ("Заголовок", "", "", "СУЗ: А > Б", "1) правило")
    assert (page.title, page.site, page.date) == ("Заголовок", "Сайт", "2017-11-22")


# ----------------------------------------------------------------------------- articles


PAGE = [
    "Статья первая",
    "",
    "Тизер: чужая статья начинается так...",
    "Статья первая",
    "СУЗ: Процедуры > Статья первая",
    "Статья первая",
    "Вступление первой статьи.",
    "Раздел",
    "1) правило",
    "",
    "8.3 Статья вторая",
    "СУЗ: Процедуры > Статья вторая",
    "Раздел два",
    "1) правило два",
    "",
    "Тизер в конце: текст чужой статьи…",
]


def test_find_articles_by_breadcrumbs_titles_and_numbered_headings() -> None:
    found = find_articles(Page(lines=tuple(PAGE), title="Статья первая"))
    first, second = found.articles
    assert (first.title, first.number) == ("Статья первая", "")
    assert first.breadcrumb == "СУЗ: Процедуры > Статья первая"
    assert [line for line in first.body if line] == ["Вступление первой статьи.", "Раздел", "1) правило"]
    assert (second.title, second.number) == ("Статья вторая", "8.3")
    assert [line for line in second.body if line] == ["Раздел два", "1) правило два"]  # teaser dropped
    assert "Тизер: чужая статья начинается так..." in found.dropped


def test_section_heading_right_after_breadcrumb_is_not_a_title() -> None:
    page = Page(lines=("8.3 Статья", "СУЗ: А > Б", "Раздел", "1) правило"))
    (article,) = find_articles(page).articles
    assert article.title == "Статья"
    assert article.body == ["Раздел", "1) правило"]


def test_site_breadcrumb_before_the_real_one_merges() -> None:
    page = Page(lines=("Статья", "Главная > Статьи > Связь", "", "СУЗ: Процедуры > Статья", "Раздел", "1) п"))
    (article,) = find_articles(page).articles
    assert (article.title, article.breadcrumb) == ("Статья", "СУЗ: Процедуры > Статья")


# ----------------------------------------------------------------------------- sections


def test_find_sections_intro_sections_and_table() -> None:
    outline = find_sections(
        [
            "Вступление.",
            "On-line очереди для перевода:",
            "Для ЦКС Новосибирск, Барнаул - 700262 MNP_hot_line_ASIA Для ЦКС Самара - 700125 MNP_EUROPA",
            "Список вопросов для перевода:",
            "1). первое 2). второе",
            "Технические вопросы",
            "1) третье",
        ]
    )
    assert outline.intro == ["Вступление."]
    assert [t.title for t in outline.tables] == ["On-line очереди для перевода"]
    assert [(s.title, s.lines) for s in outline.sections] == [
        ("Список вопросов для перевода", ["1). первое 2). второе"]),
        ("Технические вопросы", ["1) третье"]),
    ]


def test_short_line_not_followed_by_a_rule_is_text() -> None:
    assert find_sections(["Финансовые вопросы", "Просто текст."]).sections == []


# ----------------------------------------------------------------------------- rules


def test_split_enumeration_keeps_numbers_and_gaps() -> None:
    lead, items = split_enumeration("Вступление 1) a 2) b (см. п.7) 3) c 5) d")
    assert lead == "Вступление"
    assert items == [(1, "a"), (2, "b (см. п.7)"), (3, "c"), (5, "d")]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("1) Консультация (если по ДЗ, см. п.7), заполнение 2) b", [1, 2]),
        ("1) a, см. п. 7) b 2) c", [1, 2]),
        ("1) Жалоба. 2) Активация КО (3х карт и более). 3) Номера", [1, 2, 3]),
        ("1) a 9) Смена ТП (МР Мск, Центр) с запретами. 2) b", [1, 2]),
        ("1) a 2) b 20) не правило", [1, 2]),
        ("1) a 2) b (в том числе 1) и 2) выше) 3) c", [1, 2, 3]),
        ("1). a 2) не маркер 2). b", [1, 2]),
        ("1) a 2) b 4) c 7) d", [1, 2, 4, 7]),
        ("1) Правила тип. 2) b", [1, 2]),
        ("1) a 2) b по пункту 3) регламента", [1, 2]),
        ("текст без правил 3) и 4)", []),
    ],
)
def test_split_enumeration_non_splits(text: str, numbers: list[int]) -> None:
    assert [n for n, _ in split_enumeration(text)[1]] == numbers


def test_split_enumeration_texts() -> None:
    assert split_enumeration("1) a, см. п. 2) и 2) b 3) c")[1] == [(1, "a, см. п. 2) и"), (2, "b"), (3, "c")]
    assert split_enumeration("1). a 2) не маркер 2). b")[1] == [(1, "a 2) не маркер"), (2, "b")]
    assert split_enumeration("1) a (в т.ч. 2) и 3)) 2) b")[1] == [(1, "a (в т.ч. 2) и 3))"), (2, "b")]


def test_split_enumeration_without_markers() -> None:
    assert split_enumeration("  просто текст ") == ("просто текст", [])


@pytest.mark.parametrize(
    ("text", "lead", "items"),
    [
        ("Неверная тарификация: -в роуминге (прием) -у клиента услуга.", "Неверная тарификация:",
         ["в роуминге (прием)", "у клиента услуга."]),
        ("Если (исключение МТС-инфо): - на одном номере - на 3-х номерах", "Если (исключение МТС-инфо):",
         ["на одном номере", "на 3-х номерах"]),
        ("Проблемы с P-to-P-переводом и sim-карты", "Проблемы с P-to-P-переводом и sim-карты", []),
        ("Отказали - вызов переводится на СВ", "Отказали - вызов переводится на СВ", []),
        ("(в режиме on-line) - Баланс. Номера (off-line*): информация", "(в режиме on-line) - Баланс. Номера "
         "(off-line*): информация", []),
        ("Список: -первое, специалист ООКМС - решает -второе", "Список:",
         ["первое, специалист ООКМС - решает", "второе"]),
        ("Консультация по web - интерфейсам: - http://a:8081 x; - https://Bl-gui.b (web-интерфейс)",
         "Консультация по web - интерфейсам:", ["http://a:8081 x;", "https://Bl-gui.b (web-интерфейс)"]),
    ],
)  # fmt: skip
def test_split_subpoints(text: str, lead: str, items: list[str]) -> None:
    assert split_subpoints(text) == (lead, items)


def test_split_footnotes() -> None:
    assert split_footnotes("за 7* дней. *т.е. если в АСР") == ["за 7* дней.", "*т.е. если в АСР"]
    assert split_footnotes("выгодный). * в АСР") == ["выгодный).", "* в АСР"]
    assert split_footnotes("off-line*): текст") == ["off-line*): текст"]


def test_rule_markdown_escapes_and_nests() -> None:
    body = "Неверная тарификация_new за 7* дней: -a [x] -b. *сноска"
    assert rule_markdown(body) == "Неверная тарификация\\_new за 7\\* дней:\n- a \\[x\\]\n- b.\n\n\\*сноска"


def test_link_cross_refs_only_to_existing_rules() -> None:
    text = "(по ДЗ, см. п.7), см. п.9 и см. процедуру"
    linked = link_cross_refs(text, "ss/finance", {7})
    assert linked == "(по ДЗ, [см. п.7](#ss/finance/7)), см. п.9 и см. процедуру"


# ----------------------------------------------------------------------------- blocks


def test_extract_phrase_and_greeting() -> None:
    paragraph = (
        'Вступление. Для перевода на линию СС используйте фразу: "Соединяю". '
        'Приветствие сотрудника линии СС :"Здравствуйте,<имя>"'
    )
    rest, blocks = extract_blocks(paragraph)
    assert rest == "Вступление."
    assert [(b.kind, b.label, b.text) for b in blocks] == [
        ("phrase", "Для перевода на линию СС используйте фразу", "Соединяю"),
        ("greeting", "Приветствие сотрудника линии СС", "Здравствуйте,<имя>"),
    ]


def test_extract_blocks_leaves_other_quotes() -> None:
    text = 'Установлен важный комментарий: "В случае обращения клиента". Используйте фразу: «Минуту»'
    rest, blocks = extract_blocks(text)
    assert rest == 'Установлен важный комментарий: "В случае обращения клиента".'
    assert [(b.kind, b.text) for b in blocks] == [("phrase", "Минуту")]


def test_parse_queues() -> None:
    line = "Для ЦКС Новосибирск, Барнаул - 700262 MNP_hot_line_ASIA Для ЦКС Самара - 700125 Q_EU"
    table = parse_queues(line, "Cap")
    assert table.title == "Cap"
    assert table.header == ("ЦКС", "Номер", "Очередь")
    assert table.rows == (
        ("Новосибирск, Барнаул", "700262", "MNP_hot_line_ASIA"),
        ("Самара", "700125", "Q_EU"),
    )
    assert parse_queues("Для ЦКС Самара - 700125 Q_EU, а также звоните") is None
    assert parse_queues("Для перевода на линию MNP используйте фразу") is None


# ----------------------------------------------------------------------------- naming


BREADCRUMB = "СУЗ: Процедуры > Единый перечень вопросов для перевода на линию СС/СВ/MNP"


@pytest.mark.parametrize(
    ("title", "line"),
    [
        ("Перевод на линию старших специалистов", "СС"),
        ("Перевод на линию супервизора", "СВ"),
        ("Перевод на линию MNP", "MNP"),
        ("Перевод на линию технической поддержки", "ТП"),
        ("Перевод на линию VIP обслуживания", "VIP"),
    ],
)
def test_line_for(title: str, line: str) -> None:
    assert line_for(title, BREADCRUMB) == line


def test_ids() -> None:
    assert [article_id(x) for x in ("СС", "СВ", "MNP", "ТП")] == ["ss", "sv", "mnp", "tp"]
    assert article_id("", "Перевод на линию") == "perevod-na-liniyu"
    sections = ["Финансовые вопросы", "Технические вопросы", "Претензии", "Вопросы в один шаг"]
    assert [section_id(s) for s in sections] == ["finance", "technical", "claims", "one-step"]
    assert section_id("Список вопросов для перевода в два шага") == "two-step"
    assert section_id("Список вопросов для перевода") == "questions"
    assert section_id("Вопросы по оборудованию") == "voprosy-oborudovaniyu"
    assert section_id("Вопросы по тарификации в роуминге") == "voprosy-tarifikatsii-rouminge"
    assert section_id("В и на") == "v-i-na"


@pytest.mark.parametrize(
    ("article", "name"),
    [("ss", "ss.md"), ("../../etc", "etc.md"), ("CON", "con-article.md"), ("nul", "nul-article.md"),
     ("", "article.md"), ("a/b\\c", "a-b-c.md"), (".hidden", "hidden.md"), ("lpt1", "lpt1-article.md")],
)  # fmt: skip
def test_file_name_stays_a_plain_safe_name(article: str, name: str) -> None:
    assert file_name(article) == name


# ----------------------------------------------------------------------------- pipeline


def test_steps_are_in_order() -> None:
    names = [name for name, _ in STEPS]
    assert names == [
        "decode", "html_to_text", "normalize_text", "strip_clutter", "find_articles", "build_article",
        "find_sections", "split_enumeration", "split_subpoints", "extract_blocks", "parse_queues",
        "link_cross_refs", "to_markdown",
    ]  # fmt: skip


@pytest.mark.parametrize("text", ["", "Просто страница без процедур.\n\nЕщё абзац.", "<html><p>x</p></html>"])
def test_nothing_article_like_is_a_named_error(text: str) -> None:
    with pytest.raises(ProcedureImportError, match="не найдено ни одной статьи"):
        import_text(text, "page.txt")


def test_unreadable_source_is_a_named_error(tmp_path: Path) -> None:
    with pytest.raises(ProcedureImportError, match="не удалось прочитать"):
        plan_import(tmp_path / "missing.txt")


def test_hostile_line_gives_a_safe_file_name() -> None:
    text = (
        "8.1 Перевод на линию CON\nСУЗ: А > Б\nРаздел\n1) правило\n\n"
        "8.2 Перевод на линию ../../etc\nСУЗ: А > В\nРаздел\n1) п"
    )
    plan = import_text(text, "x.txt")
    assert [plan.file_name(a) for a in plan.articles] == ["con-article.md", "et.md"]


def test_page_without_breadcrumbs_uses_the_repeated_page_title() -> None:
    text = "Перевод на линию MNP — Сайт\n\nТизер: чужое...\n\nПеревод на линию MNP\n\nСписок:\n1). a 2). b\n"
    (article,) = import_text(text, "x.txt").articles
    assert (article.id, article.title) == ("mnp", "Перевод на линию MNP")
    assert [r.number for r in article.rules] == [1, 2]


# ----------------------------------------------------------------------------- pages of other shapes


def test_rules_without_a_heading_get_a_default_section() -> None:
    outline = find_sections(["Вступление.", "1) a", "2) b"])
    assert outline.intro == ["Вступление."]
    assert [(s.title, s.lines) for s in outline.sections] == [("Список вопросов", ["1) a", "2) b"])]


def test_heading_on_the_same_line_as_the_first_rule() -> None:
    long_intro = "Это вступление из многих слов, которое никак не может быть заголовком раздела 1) x"
    outline = find_sections(["Вопросы по тарификации 1) a 2) b", long_intro])
    assert [s.title for s in outline.sections] == ["Вопросы по тарификации"]
    assert outline.sections[0].lines == ["1) a 2) b", long_intro]


def test_bullet_lines_are_sub_points_not_headings() -> None:
    outline = find_sections(["Раздел", "1) a:", "- первое", "- второе", "2) b"])
    assert [s.title for s in outline.sections] == ["Раздел"]
    assert rule_markdown("a:\n- первое\n• второе") == "a:\n- первое\n- второе"


def test_phrase_line_after_rules_is_not_rule_text() -> None:
    outline = find_sections(["Раздел", "1) a 2) b", 'Для перевода используйте фразу: "Минуту"'])
    section = outline.sections[0]
    assert section.lines == ["1) a 2) b"]
    assert section.notes == ['Для перевода используйте фразу: "Минуту"']


def test_greeting_after_rules_belongs_to_the_article() -> None:
    text = "8.1 Перевод на линию ЭР\nСУЗ: А > Б\nРаздел\n1) a\nПриветствие эксперта: «Здравствуйте»\n"
    (article,) = import_text(text, "x.txt").articles
    assert [b.kind for b in article.blocks] == ["greeting"]
    assert article.sections[0].blocks == ()
    assert article.rules[0].text == "a"


@pytest.mark.parametrize(
    "line", ["Главная > Процедуры > Переводы", "Комментарии (3)", "Время генерации: 0.2 s"]
)
def test_more_site_clutter(line: str) -> None:
    assert is_clutter_line(line)


def test_labelled_date_line() -> None:
    assert page_date("Обновлено: 05.06.2020") == "2020-06-05"


def test_header_without_rules_or_phrases_is_skipped() -> None:
    text = "8.1 Меню сайта\n\nСсылки.\n\n8.2 Перевод на линию ЭР\nРаздел\n1) a\n"
    plan = import_text(text, "x.txt")
    assert [a.title for a in plan.articles] == ["Перевод на линию ЭР"]
    assert plan.warnings == ["пропущено «Меню сайта»: ни пунктов, ни фраз (навигация сайта?)"]


def test_html_lists_keep_their_numbers_and_bullets() -> None:
    page = (
        '<html><body><h2>Раздел</h2><ol><li>Первое:<ul><li>а</li><li>б</li></ul></li><li value="3">Третье'
        "</li><li>Четвёртое</li></ol><p>после</p></body></html>"
    )
    assert html_to_text(page) == "Раздел\n\n1) Первое:\n\n- а\n- б\n\n3) Третье\n4) Четвёртое\n\nпосле\n"


def test_html_page_with_ordered_lists_imports() -> None:
    page = (
        "<html><head><title>Перевод на линию MNP — Сайт</title></head><body>"
        "<p>СУЗ: Процедуры &gt; Перевод на линию MNP</p><h1>Перевод на линию MNP</h1>"
        "<h3>Список вопросов для перевода:</h3><ol><li>Смена оператора:<ul><li>до портации</li>"
        "<li>после портации</li></ul></li><li>Отмена портации</li></ol>"
        "<footer>© Сайт 2024</footer></body></html>"
    )
    (article,) = import_text(page, "page.html").articles
    assert (article.id, article.sections[0].id) == ("mnp", "questions")
    assert [r.markdown for r in article.rules] == [
        "Смена оператора:\n- до портации\n- после портации",
        "Отмена портации",
    ]


def test_split_enumeration_is_fast_on_long_sections() -> None:
    text = " ".join(f"{i}) Правило {i} про баланс (см. п.{i}) и тариф." for i in range(1, 1000))
    started = time.perf_counter()
    assert [n for n, _ in split_enumeration(text)[1]] == list(range(1, 1000))
    assert time.perf_counter() - started < 1.0


def test_text_left_out_before_the_first_article_is_a_warning() -> None:
    text = (
        "Важное примечание перед статьёй\n\nТизер: начало текста чужой статьи...\n\n"
        "8.1 Перевод на линию ЭР\nРаздел\n1) a\n"
    )
    plan = import_text(text, "x.txt")
    assert plan.warnings == ["пропущено строк вне статей: 1, первая: «Важное примечание перед статьёй»"]


def test_mostly_utf8_with_a_broken_byte_stays_utf8() -> None:
    data = ("Перевод на линию старших специалистов. " * 5).encode("utf-8") + b"\xff" + RU.encode("utf-8")
    decoded = decode(data)
    assert decoded.encoding == "utf-8" and decoded.warnings
    assert decoded.text.endswith(RU)


def test_hyphen_title_suffix_only_when_the_title_repeats() -> None:
    lines = ["Перевод на линию MNP - КиберПедия", "", "Перевод на линию MNP"]
    assert strip_title_suffix(lines)[1:] == ("Перевод на линию MNP", "КиберПедия")
    assert strip_title_suffix(["Жалоба - вызов переводится на СВ", "1) a"])[1:] == ("", "")


def test_breadcrumb_with_other_separators() -> None:
    page = Page(lines=("СУЗ: Условия » Процедуры » Статья", "Статья", "Раздел", "1) a"))
    (article,) = find_articles(page).articles
    assert (article.title, article.breadcrumb) == ("Статья", "СУЗ: Условия » Процедуры » Статья")


def test_footnote_on_its_own_line_is_not_a_sub_point() -> None:
    assert rule_markdown("Текст 7* дней.\n* т.е. сноска") == "Текст 7\\* дней.\n\n\\* т.е. сноска"


def test_line_start_dot_numbering() -> None:
    lead, items = split_enumeration(
        "Вступление:\n1. Первое, на 7. день\n2. Второе 3. не маркер\n4. Четвёртое"
    )
    assert lead == "Вступление:"
    assert items == [(1, "Первое, на 7. день"), (2, "Второе 3. не маркер"), (4, "Четвёртое")]
    assert [n for n, _ in split_enumeration("1. a\n2) b\n2. c")[1]] == [1, 2]  # one style per list


def test_page_with_dot_numbered_rules_on_their_own_lines() -> None:
    text = "8.1 Перевод на линию ЭР\nСУЗ: А > Б\nВопросы по роумингу:\n1. Первое.\n2. Второе:\n- а\n- б\n"
    (article,) = import_text(text, "x.txt").articles
    assert [(r.number, r.markdown) for r in article.rules] == [(1, "Первое."), (2, "Второе:\n- а\n- б")]
