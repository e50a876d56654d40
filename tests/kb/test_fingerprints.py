from dataclasses import replace

from kb.fingerprints import file_fingerprint, rule_fingerprint
from kb.model import Rule


def _rule(markdown: str, phrasings: tuple[str, ...] = ()) -> Rule:
    return Rule("a/s/1", "a", "s", 1, markdown, markdown, line_no=3, phrasings=phrasings)


def test_rule_fingerprint_follows_the_text_only():
    rule = _rule("Неверная тарификация в роуминге")
    assert rule_fingerprint(rule) == rule_fingerprint(replace(rule, line_no=40, phrasings=("мне насчитали",)))
    assert rule_fingerprint(rule) == rule_fingerprint(_rule("Неверная  тарификация\n в роуминге "))
    assert rule_fingerprint(rule) != rule_fingerprint(_rule("Неверная тарификация в поездке"))
    assert len(rule_fingerprint(rule)) == 16


def test_file_fingerprint(tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    a.write_bytes(b"x" * 3_000_000)
    b.write_bytes(b"x" * 3_000_000)
    assert file_fingerprint(a) == file_fingerprint(b)
    b.write_bytes(b"y")
    assert file_fingerprint(a) != file_fingerprint(b)
