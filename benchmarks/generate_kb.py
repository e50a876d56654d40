"""A synthetic knowledge base of N rules in our Markdown format, with realistic Russian text.

Words are drawn from wordfreq's Russian list (real word forms, Zipf-distributed by their measured
frequency), with telecom abbreviations and domain words mixed in, and the bundled knowledge base
(resources/kb/*.md) is copied in verbatim so that real queries still have real answers.
The output depends only on ``n_rules``, ``seed``, the wordfreq version and the bundled KB.

    python benchmarks/generate_kb.py --rules 100000 /tmp/kb100k
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kb.article_md import article_to_markdown
from kb.loader import article_files, load_kb
from kb.model import PHRASE, Article, Block, Rule, Section, rule_id
from kb.paths import bundled_kb_dir

log = logging.getLogger(__name__)

VOCAB_SIZE = 50_000
GEN_PREFIX = "gen"
_WORD_RE = re.compile(r"[а-яё]+(?:-[а-яё]+)?")

# Abbreviations and jargon of a mobile operator's contact center (the procedure's own, and common ones).
ABBREVIATIONS = (
    "ЛС", "ТП", "СС", "СВ", "MNP", "АСР", "ООКМС", "ДЗ", "ССО", "ЕСПП", "ПУДЗ", "ОУД", "ЦКС", "СМ",
    "МТС", "SMS", "USSD", "ГП", "КП", "ПК", "РТК", "АСЦ", "ДС", "ЕСИС", "SIM", "ЕИ", "КО", "ГОП",
    "ОРКК", "VAS", "ПМ", "МК", "HD", "CRM", "ГОСЗ", "ОП", "КК", "СУЗ", "МР", "БС", "GPRS", "LTE",
    "IMEI", "PUK", "PIN", "MMS", "eSIM", "ТВ", "ФИО", "ИНН", "ЮЛ", "ФЛ",
)  # fmt: skip
DOMAIN_WORDS = (
    "абонент", "абонента", "баланс", "баланса", "блокировка", "блокировки", "блокировку", "тариф",
    "тарифа", "тарификация", "тарификации", "роуминг", "роуминге", "переадресация", "переадресации",
    "детализация", "детализации", "портирование", "портирования", "претензия", "претензии",
    "сим-карта", "сим-карты", "сим-карту", "номер", "номера", "номере", "услуга", "услуги", "услугу",
    "подписка", "подписки", "подписок", "списание", "списания", "задолженность", "задолженности",
    "платеж", "платежа", "оператор", "оператора", "линия", "линию", "перевод", "перевода",
    "специалист", "специалиста", "супервизор", "супервизора", "обращение", "обращения", "клиент",
    "клиента", "клиенту", "договор", "договора", "счет", "счета", "интернет", "модем", "связь",
    "связи", "вызов", "вызова", "звонок", "звонка", "заявка", "заявки", "компенсация", "пароль",
)  # fmt: skip
LINES = ("СС", "СВ", "MNP")


@dataclass(frozen=True)
class Vocabulary:
    """Word forms with cumulative weights, ready for ``random.choices``."""

    words: tuple[str, ...]
    cum_weights: tuple[float, ...]


@cache
def russian_vocabulary(size: int = VOCAB_SIZE) -> Vocabulary:
    """wordfreq's most frequent Russian word forms, weighted by their measured frequency."""
    import wordfreq

    words = [w for w in wordfreq.top_n_list("ru", size) if _WORD_RE.fullmatch(w)]
    weights = [wordfreq.word_frequency(w, "ru") for w in words]
    return Vocabulary(tuple(words), tuple(itertools.accumulate(weights)))


class _TextMaker:
    """Rule-like sentences: Zipf words, some domain words, abbreviations, numbers, punctuation."""

    def __init__(self, rng: random.Random, vocab: Vocabulary) -> None:
        self.rng = rng
        self.vocab = vocab

    def words(self, n: int) -> list[str]:
        rng = self.rng
        out = rng.choices(self.vocab.words, cum_weights=self.vocab.cum_weights, k=n)
        for _ in range(rng.randint(1, 3)):
            out[rng.randrange(n)] = rng.choice(DOMAIN_WORDS)
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            out[rng.randrange(n)] = rng.choice(ABBREVIATIONS)
        if rng.random() < 0.25:
            out[rng.randrange(n)] = rng.choice(("3-х", "7", "10", "30", "2-х", "24", "5", "100"))
        return out

    def sentence(self, n: int) -> str:
        rng = self.rng
        words = self.words(n)
        parts = []
        paren = rng.random() < 0.2 and n > 6
        start = rng.randrange(1, n - 3) if paren else -1
        for i, word in enumerate(words):
            if i == start:
                word = "(" + word
            if paren and i == start + 2:
                word += ")"
            elif i < n - 1 and rng.random() < 0.07:
                word += ","
            parts.append(word)
        text = " ".join(parts)
        return text[0].upper() + text[1:] + "."

    def rule_text(self) -> str:
        """10–80 words in one to three sentences, sometimes with sub-points."""
        rng = self.rng
        total = min(80, max(10, int(rng.lognormvariate(3.6, 0.45))))
        if total > 24 and rng.random() < 0.1:
            head = rng.randint(5, 10)
            subs = _split(rng, total - head, rng.randint(2, 3))
            lines = [self.sentence(head).rstrip(".") + ":"]
            return "\n".join(lines + [f"- {self.sentence(k).rstrip('.')}" for k in subs])
        return " ".join(self.sentence(k) for k in _split(rng, total, rng.choice((1, 1, 2, 3))))

    def title(self, lo: int, hi: int) -> str:
        text = " ".join(self.words(self.rng.randint(lo, hi))).strip(",")
        return text[0].upper() + text[1:]


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` chunks of at least 3 words each."""
    parts = max(1, min(parts, total // 3))
    cuts = sorted(rng.sample(range(3, total - 2), parts - 1)) if parts > 1 and total > 6 else []
    bounds = [0, *cuts, total]
    return [b - a for a, b in itertools.pairwise(bounds) if b > a]


def _article(maker: _TextMaker, number: int, width: int, n_rules: int) -> Article:
    rng = maker.rng
    article_id = f"{GEN_PREFIX}{number:0{width}d}"
    n_sections = min(rng.randint(2, 4), n_rules)
    sizes = _split_sections(rng, n_rules, n_sections)
    sections = []
    for s, size in enumerate(sizes, 1):
        section_id = f"s{s}"
        rules, rule_no = [], 0
        for _ in range(size):
            rule_no += 2 if rng.random() < 0.03 else 1  # the procedure skips numbers now and then
            text = maker.rule_text()
            if rule_no > 1 and rng.random() < 0.05:
                ref = rng.randint(1, rule_no - 1)
                text += f" ([см. п.{ref}](#{article_id}/{section_id}/{ref}))"
            rules.append(
                Rule(rule_id(article_id, section_id, rule_no), article_id, section_id, rule_no, text, text)
            )
        sections.append(Section(id=section_id, title=maker.title(2, 4), rules=tuple(rules)))
    title = maker.title(3, 7)
    blocks = ()
    if rng.random() < 0.5:
        blocks = (Block(PHRASE, "Для перевода используйте фразу", maker.sentence(rng.randint(10, 20))),)
    return Article(
        id=article_id,
        title=title,
        line=rng.choice(LINES),
        breadcrumb=f"СУЗ: Условия обслуживания > Процедуры > {title}",
        source="generate_kb.py",
        date=f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        blocks=blocks,
        sections=tuple(sections),
    )


def _split_sections(rng: random.Random, n_rules: int, n_sections: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, n_rules), n_sections - 1)) if n_sections > 1 else []
    bounds = [0, *cuts, n_rules]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _article_sizes(rng: random.Random, n_rules: int) -> list[int]:
    sizes = []
    while n_rules > 0:
        size = min(n_rules, rng.randint(20, 60))
        sizes.append(size)
        n_rules -= size
    return sizes


def copy_real_kb(out_dir: Path, source: Path | None = None) -> int:
    """Copy the bundled articles and glossary into ``out_dir``; the number of real rules copied."""
    source = source or bundled_kb_dir()
    files = article_files(source)
    for path in files:
        shutil.copyfile(path, out_dir / path.name)
    return len(load_kb(source).rules) if files else 0


def generate(out_dir: Path, n_rules: int, seed: int = 0) -> dict:
    """Write a knowledge base of ``n_rules`` rules (bundled ones included) into ``out_dir``."""
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in out_dir.glob(f"{GEN_PREFIX}*.md"):
        old.unlink()
    n_real = copy_real_kb(out_dir)
    rng = random.Random(seed)
    maker = _TextMaker(rng, russian_vocabulary())
    sizes = _article_sizes(rng, max(0, n_rules - n_real))
    width = max(4, len(str(len(sizes))))
    n_words = 0
    for number, size in enumerate(sizes, 1):
        article = _article(maker, number, width, size)
        n_words += sum(len(r.text.split()) for r in article.rules)
        (out_dir / f"{article.id}.md").write_text(article_to_markdown(article), encoding="utf-8")
    return {
        "n_rules": n_real + sum(sizes),
        "n_generated": sum(sizes),
        "n_real": n_real,
        "n_articles": len(sizes),
        "n_words": n_words,
        "vocabulary": len(maker.vocab.words),
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="output folder (gen*.md files in it are replaced)")
    parser.add_argument("--rules", type=int, required=True, help="number of rules, bundled ones included")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(generate(args.out, args.rules, args.seed), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
