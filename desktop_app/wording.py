"""Russian wording of numbers for the window and the command line (no Qt here: the CLI imports it)."""

from __future__ import annotations


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: plural(1, "статья", "статьи", "статей") -> "1 статья" (see count)."""
    if n % 10 == 1 and n % 100 != 11:
        word = one
    elif 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        word = few
    else:
        word = many
    return f"{count(n)} {word}"


def count(n: int) -> str:
    """From 10 000 on the thousands are set apart with a no-break space, as Russian text writes them."""
    return f"{n:,}".replace(",", "\u00a0") if abs(n) >= 10_000 else str(n)


LAYOUT_FIXED = "Раскладка исправлена: «{query}»"
DID_YOU_MEAN = "Возможно, вы имели в виду: {}"


def correction_note(query: str, corrected: str | None, layout_converted: bool) -> str | None:
    """How the window and the command line name a corrected query: a layout fix is stated as done
    («Раскладка исправлена: «hjevbyu» → «роуминг»»), a typo fix is offered («Возможно, …»)."""
    if layout_converted:
        note = LAYOUT_FIXED.format(query=query)
        return f"{note} → «{corrected}»" if corrected else note
    return DID_YOU_MEAN.format(corrected) if corrected else None
