"""Regenerate the golden input files from resources/source/procedure.txt.

Run from the repository root: ``python tests/kb/golden/make_inputs.py``. The variants are written
here so a reviewer can read them; expected outputs are refreshed with ``KB_GOLDEN_UPDATE=1 pytest``.
"""

from __future__ import annotations

import html
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = HERE.parents[2] / "resources" / "source" / "procedure.txt"


def source_lines() -> list[str]:
    return SOURCE.read_text(encoding="utf-8").split("\n")


def body(first: int, last: int) -> list[str]:
    """Lines ``first``..``last`` of procedure.txt (1-based, inclusive)."""
    return source_lines()[first - 1 : last]


def other_site() -> str:
    """Same articles, another site's clutter: '|' title suffix, other teasers, dates, footer."""
    head = [
        "Перевод на линию старших специалистов | Справочник оператора",
        "",
        "Главная > Статьи > Связь",
        "",
        "Как выбрать тариф для поездки: прежде чем ехать в роуминг, стоит проверить пакеты…",
        "",
        "Что такое портация номера: перенос номера к другому оператору занимает несколько дней…",
        "",
        "22.11.2017, 10:15",
        "Просмотров: 412",
        "Рейтинг: 4,7",
        "Сообщить об ошибке",
        "",
    ]
    tail = [
        "",
        "Читайте также:",
        "",
        "Роуминг в Европе: цены на звонки и интернет снова изменились, и вот что важно знать…",
        "",
        "Справочник оператора",
        "Все права защищены © 2019 spravka-operatora.ru",
        "Копирование материалов запрещено.",
        "",
        "Страница сгенерирована за 0,021 сек.",
        "",
    ]
    return "\n".join(head + body(15, 61) + tail)


EXTRA = [
    "",
    "8.4 Перевод на линию технической поддержки",
    "",
    "СУЗ: Условия обслуживания > Процедуры > Перевод на линию ТП",
    "",
    'Для перевода на линию технической поддержки используйте фразу: "Соединяю Вас с технической '
    'поддержкой, оставайтесь на линии".',
    "Вопросы по оборудованию",
    "1) Роутер не включается (если клиент уже перезагрузил его, см. п.2). 2) Роутер не раздаёт сеть "
    "(МР Мск, Центр): - проверить настройки - проверить баланс 3) Замена sim-карты в модеме (3х и "
    "более) по п.7) регламента.",
]


def extra_article() -> str:
    """The real page with a fourth article (numbered heading, breadcrumb, one section)."""
    lines = source_lines()
    return "\n".join(lines[:61] + EXTRA + lines[61:])


def section_order() -> str:
    """Sections in another order: claims before finance, two-step before one-step."""
    lines = source_lines()
    ss = lines[23:29]  # Финансовые .. Претензии
    sv = lines[41:45]  # one-step heading+rules, two-step heading+rules
    new_ss = ss[4:6] + ss[2:4] + ss[0:2]
    new_sv = sv[2:4] + sv[0:2]
    return "\n".join(lines[:23] + new_ss + lines[29:41] + new_sv + lines[45:])


def html_page() -> str:
    """The page as HTML: head with title, script and style, nav, teasers, article, footer."""
    lines = source_lines()
    out = [
        "<!DOCTYPE html>",
        '<html lang="ru"><head><meta charset="utf-8">',
        f"<title>{html.escape(lines[0].strip())}</title>",
        "<style>body { font: 14px sans-serif } .x::before { content: '1) not a rule' }</style>",
        "<script>var teaser = 'Папиллярные узоры: ...'; document.title += ' 2) no';</script>",
        "</head><body>",
        '<nav><a href="/">Главная</a> | <a href="/a">Статьи</a> | <a href="/b">Заказать работу</a></nav>',
    ]
    for line in lines[1:]:
        text = html.escape(line.strip("\n"))
        if not line.strip():
            continue
        if line.startswith(("Финансовые", "Технические", "Претензии", "Список", "On-line")):
            out.append(f"<p><b>{text}</b><br>")  # heading and rules in one <p>, split by <br>
        elif line[:2] in ("1)", "1)."):
            out.append(f"{text}</p>")
        else:
            out.append(f'<div class="block">\n  <p>{text}</p>\n</div>')
    out.append("<script>console.log('0.014 с.')</script></body></html>")
    return "\n".join(out) + "\n"


def main() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    cases: dict[str, tuple[str, bytes]] = {
        "other_site": ("input.txt", other_site().encode("utf-8")),
        "extra_article": ("input.txt", extra_article().encode("utf-8")),
        "section_order": ("input.txt", section_order().encode("utf-8")),
        "cp1251_crlf": ("input.txt", text.replace("\n", "\r\n").encode("cp1251")),
        "utf16_bom": ("input.txt", text.encode("utf-16")),  # BOM + native (little) endian
        "utf8_bom": ("input.txt", b"\xef\xbb\xbf" + text.encode("utf-8")),
        "html": ("input.html", html_page().encode("utf-8")),
    }
    for case, (name, data) in cases.items():
        folder = HERE / case
        folder.mkdir(exist_ok=True)
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
