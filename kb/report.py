"""Plain-text and JSON views of a knowledge base for the command line."""

from __future__ import annotations

from typing import Any

from kb.model import Article, KnowledgeBase, Rule, Section


def kb_to_json(kb: KnowledgeBase) -> dict[str, Any]:
    """``{"articles": [{"id", "title", "line", "path", "rules": [...]}]}`` (the CLI contract)."""
    return {"articles": [_article_json(a) for a in kb.articles]}


def _article_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "line": article.line,
        "path": str(article.path) if article.path else None,
        "breadcrumb": article.breadcrumb,
        "sections": [{"id": s.id, "title": s.title, "rules": len(s.rules)} for s in article.sections],
        "phrases": [{"kind": b.kind, "label": b.label, "text": b.text} for b in _all_blocks(article)],
        "rules": [_rule_json(article, s, r) for s in article.sections for r in s.rules],
    }


def _all_blocks(article: Article) -> list:
    return [*article.blocks, *(b for s in article.sections for b in s.blocks)]


def _rule_json(article: Article, section: Section, rule: Rule) -> dict[str, Any]:
    phrase = article.phrase_for(rule)
    return {
        "id": rule.id,
        "number": rule.number,
        "section": section.title,
        "section_id": section.id,
        "line": article.line_label(section),
        "text": rule.text,
        "phrase": phrase.text if phrase else None,
        "phrasings": list(rule.phrasings),
    }


def format_list(kb: KnowledgeBase) -> str:
    """Articles, their sections and rules, one rule a line."""
    out: list[str] = []
    for article in kb.articles:
        out.append(f"{article.id}  [{article.line}] {article.title}  ({len(article.rules)} правил)")
        for section in article.sections:
            out.append(f"  {article.id}/{section.id}  {section.title}")
            out += [f"    {r.id:<20} п.{r.number}  {_shorten(r.text, 90)}" for r in section.rules]
    return "\n".join(out) if out else "База знаний пуста."


def format_rule(kb: KnowledgeBase, rule_id: str) -> str | None:
    """One rule with its article, section, line and phrase; None when no such rule."""
    found = kb.find_rule(rule_id)
    if found is None:
        return None
    article, section, rule = found
    phrase = article.phrase_for(rule)
    lines = [
        f"{rule.id}",
        f"Статья:  {article.title}",
        f"Раздел:  {section.title}, п.{rule.number}",
        f"Линия:   {article.line_label(section)}",
        "",
        rule.text,
    ]
    if phrase:
        lines += ["", f"Фраза:   «{phrase.text}»"]
    greeting = article.greeting()
    if greeting:
        lines.append(f"Приветствие: «{greeting.text}»")
    if rule.phrasings:
        lines += ["", "Клиент может сказать:", *(f"  – {p}" for p in rule.phrasings)]
    if article.path:
        lines += ["", f"Файл:    {article.path}:{rule.line_no}"]
    return "\n".join(lines)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _lost_phrasings_lines(report) -> list[str]:
    """Rules whose customer phrasings have no rule in the import: kept unless the file was forced."""
    out = []
    for path, rule_ids in report.lost_phrasings.items():
        rules = ", ".join(rule_ids)
        if path in report.overwritten:
            verb = "будут удалены" if report.dry_run else "удалены"
            out.append(f"{verb} фразы клиента пунктов, которых нет в новой процедуре: {rules} ({path})")
        else:
            out.append(f"в новой процедуре нет пунктов с фразами клиента: {rules} ({path}); файл не тронут")
    for path in report.unmerged_phrasings:
        if path in report.overwritten:
            out.append(f"фразы клиента не перенесены: файл не читается как статья ({path})")
        else:
            out.append(f"фразы клиента не перенести: файл не читается как статья ({path}); файл не тронут")
    return out


def format_import_report(report, dry_run: bool = False) -> str:
    """What an import wrote, left alone, or refused to overwrite."""
    verb = "будет создано" if dry_run else "создано"
    groups = [
        (verb, report.created),
        ("без изменений", report.unchanged),
        ("перезаписано" if not dry_run else "будет перезаписано", report.overwritten),
        ("НЕ перезаписано: файл изменён (используйте --force)", report.conflicts),
        ("НЕ записано: ошибка записи, прежний файл цел", report.failed),
    ]
    out = [f"{title}: {path}" for title, paths in groups for path in paths]
    out += _lost_phrasings_lines(report)
    if dry_run:
        out.append("Пробный запуск: ничего не записано.")
    return "\n".join(out) if out else "Нечего импортировать."
