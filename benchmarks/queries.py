"""A fixed, deterministic mix of search queries like agents type them: 1–3 words, inflected,
misspelt, typed in the wrong keyboard layout, abbreviations, unfinished words.

Built from the words of the bundled knowledge base's real rules (so the queries have answers)
and from wordfreq's Russian vocabulary (so some hit only the synthetic part).
"""

from __future__ import annotations

import hashlib
import random
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate_kb import ABBREVIATIONS, DOMAIN_WORDS, russian_vocabulary

from kb.loader import load_kb
from kb.paths import bundled_kb_dir

# kind -> how many queries of that kind (sum 240)
MIX = {
    "word": 40,
    "inflected": 40,
    "typo": 30,
    "layout": 25,
    "abbrev": 25,
    "two_words": 40,
    "three_words": 25,
    "prefix": 15,
}
_RU = "йцукенгшщзхъфывапролджэячсмитьбюё"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,.`"
TO_LATIN_LAYOUT = str.maketrans(_RU + _RU.upper(), _EN + _EN.upper())
_TOKEN_RE = re.compile(r"[а-яёa-z]+(?:-[а-яёa-z]+)?", re.IGNORECASE)
_STOP = frozenset(
    [
        "если",
        "этом",
        "было",
        "быть",
        "этот",
        "того",
        "также",
        "только",
        "более",
        "может",
        "при",
        "для",
        "или",
        "что",
        "как",
        "так",
        "уже",
        "чем",
        "через",
        "если",
        "после",
        "которые",
        "который",
        "которая",
        "которых",
        "случае",
        "согласно",
        "необходимо",
    ]
)
# Used when the bundled KB is not there (yet): words of the real procedure.
_FALLBACK_TEXT = (
    "Начисления по номеру более чем за 7 дней или начисления на 3-х и более номерах первичную "
    "консультацию проводит специалист ООКМС если клиент отказывается от пользования ССО "
    "подробные консультации по счетам детализированный счет отчет счет-фактура неверная "
    "тарификация в роуминге рассинхронизация баланса проблемы платежей через банкомат "
    "блокировка проверка задолженности перенос денежных средств лицевой счет подписки "
    "проблема с исходящей входящей связью переадресация запрет вызова мобильный помощник "
    "модем настройка интернета гарантийное обслуживание оборудования расторжение договора "
    "курьерская доставка sim-карты активация запасной сим-карты пароль личный кабинет "
    "жалоба на разглашение конфиденциальной информации смена тарифного плана архивный тариф "
    "претензия на качество обслуживания мошенничество утрата портирование номера"
)


@dataclass(frozen=True)
class Query:
    text: str
    kind: str


@cache
def real_rule_texts(kb_dir: Path | None = None) -> tuple[str, ...]:
    """The texts of the bundled KB's rules, or one fallback text when it is empty."""
    rules = load_kb(kb_dir or bundled_kb_dir()).rules
    return tuple(r.text for r in rules) or (_FALLBACK_TEXT,)


def _content_words(text: str) -> list[str]:
    words = [w.lower() for w in _TOKEN_RE.findall(text)]
    return [w for w in words if len(w) >= 4 and w not in _STOP and not w.isascii()]


@cache
def _forms_by_stem() -> dict[str, list[str]]:
    import Stemmer

    stem = Stemmer.Stemmer("russian").stemWord
    forms: dict[str, list[str]] = defaultdict(list)
    for word in russian_vocabulary().words:
        forms[stem(word)].append(word)
    return forms


def inflect(rng: random.Random, word: str) -> str:
    """Another form of ``word`` with the same Snowball stem, when the vocabulary has one."""
    import Stemmer

    others = [f for f in _forms_by_stem().get(Stemmer.Stemmer("russian").stemWord(word), []) if f != word]
    return rng.choice(others) if others else word


def misspell(rng: random.Random, word: str) -> str:
    """One edit inside the word (never the first letter): drop, double, swap or replace a letter."""
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    edit = rng.choice(("drop", "double", "swap", "replace"))
    if edit == "drop":
        return word[:i] + word[i + 1 :]
    if edit == "double":
        return word[:i] + word[i] + word[i:]
    if edit == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letter = rng.choice([c for c in "аеиоуяыэкнтрс" if c != word[i]])
    return word[:i] + letter + word[i + 1 :]


def wrong_layout(text: str) -> str:
    """Russian text as typed with the English layout on: "баланс" -> ",fkfyc"."""
    return text.translate(TO_LATIN_LAYOUT)


def _phrase(rng: random.Random, texts: tuple[str, ...], n: int) -> list[str]:
    """``n`` content words in order from one real rule (adjacent when possible)."""
    for _ in range(100):
        words = _content_words(rng.choice(texts))
        if len(words) >= n:
            start = rng.randrange(len(words) - n + 1)
            if n == 3 and len(words) >= 5 and rng.random() < 0.5:
                picks = sorted(rng.sample(range(len(words)), 3))
                return [words[i] for i in picks]
            return words[start : start + n]
    return [rng.choice(DOMAIN_WORDS) for _ in range(n)]


def _vocab_word(rng: random.Random) -> str:
    """A mid-frequency word form of the vocabulary (ranks 300–20000, log-uniform)."""
    words = russian_vocabulary().words
    while True:
        word = words[min(len(words) - 1, int(300 * (20_000 / 300) ** rng.random()))]
        if len(word) >= 4:
            return word


def build_queries(seed: int = 0, kb_dir: Path | None = None) -> list[Query]:
    """The benchmark's query mix (see MIX), the same for the same seed and bundled KB."""
    rng = random.Random(seed)
    texts = real_rule_texts(kb_dir)
    real = sorted({w for t in texts for w in _content_words(t)})
    make = {
        "word": lambda: rng.choice(real) if rng.random() < 0.6 else _vocab_word(rng),
        "inflected": lambda: inflect(rng, rng.choice(real)),
        "typo": lambda: misspell(rng, rng.choice([w for w in real if len(w) >= 5])),
        "layout": lambda: wrong_layout(" ".join(_phrase(rng, texts, rng.choice((1, 1, 2))))),
        "abbrev": lambda: _abbreviation_query(rng, real),
        "two_words": lambda: " ".join(_maybe_inflect(rng, w) for w in _phrase(rng, texts, 2)),
        "three_words": lambda: " ".join(_maybe_inflect(rng, w) for w in _phrase(rng, texts, 3)),
        "prefix": lambda: rng.choice([w for w in real if len(w) >= 6])[: rng.randint(3, 5)],
    }
    return [Query(make[kind](), kind) for kind, count in MIX.items() for _ in range(count)]


def _abbreviation_query(rng: random.Random, real: list[str]) -> str:
    abbr = rng.choice(ABBREVIATIONS)
    abbr = abbr.lower() if rng.random() < 0.4 else abbr
    return f"{abbr} {rng.choice(real)}" if rng.random() < 0.3 else abbr


def _maybe_inflect(rng: random.Random, word: str) -> str:
    return inflect(rng, word) if rng.random() < 0.3 else word


def queries_digest(queries: list[Query]) -> str:
    """A short hash of the query texts, to tell whether two runs searched for the same things."""
    return hashlib.sha1("\n".join(q.text for q in queries).encode()).hexdigest()[:12]


if __name__ == "__main__":
    for query in build_queries():
        print(f"{query.kind:12} {query.text}")
