"""A small KB on two lines for the confidence and learning tests: its words are chosen so each case
(ambiguity, a rule alone holding a word, an accidental match, a synonym, a compound's part) stays
what it is however the bundled KB's phrasings grow."""

from __future__ import annotations

from pathlib import Path

SS = """---
id: ss
title: Перевод на линию старших специалистов
line: СС
---

# Перевод на линию старших специалистов

> [!phrase] Для перевода используйте фразу
> Я соединю Вас со специалистом экспертного направления.

## Финансовые вопросы {#finance}

1. Неверная тарификация в роуминге и в приграничных районах.
2. Перенос денежных средств с одного ЛС на другой.
3. Блокировка номера по утрате телефона.

## Технические вопросы {#technical}

1. Заявка на курьерскую доставку sim-карты.
2. Проблема с переадресацией вызовов.
3. Качество работы мобильного интернета.
4. Настройка доступа в интернет с компьютера.
5. Отмена портации по просьбе клиента (MNP).
"""

SV = """---
id: sv
title: Перевод на линию СВ
line: СВ
---

# Перевод на линию СВ

## Вопросы {#questions}

1. Блокировка номера при угрозе клиента.
2. Активация карт оплаты.
"""

GLOSSARY = """---
type: glossary
title: Глоссарий
---

| Сокращение | Расшифровка | Варианты |
| --- | --- | --- |
| ЛС | лицевой счёт | |
| SIM | | сим, симка |
| MNP | перенос номера | МНП |
"""


def write_kb(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in (("ss.md", SS), ("sv.md", SV), ("glossary.md", GLOSSARY)):
        (folder / name).write_text(text, encoding="utf-8")
    return folder
