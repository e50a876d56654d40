"""The customer-language evaluation set is well formed, covers every rule, and its test half is frozen."""

from __future__ import annotations

import hashlib
import importlib.util
import re
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from kb.loader import load_kb
from kb.paths import bundled_kb_dir


def _load_by_path(name: str, path: Path):
    """The data module by path (tests/ is no package); registered first, as dataclasses require."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


customer_eval = _load_by_path("kb_customer_eval_set", Path(__file__).with_name("customer_eval.py"))

# sha256 of the test split (see _split_digest). If this test fails, the test half was edited: that is
# allowed only in a separate commit that says why (a wrong rule id, a dead URL), never to make a number
# go up. Update the constant in that same commit.
FROZEN_TEST_SHA256 = "278e9d6a29f532beefa8404125ead738ee6c855700087f2c5c7e576d5bfc00fa"
URL = re.compile(r"^https?://[^\s/]+\.[^\s/]+\S*$")


@pytest.fixture(scope="module")
def items() -> list:
    return customer_eval.load_items()


@pytest.fixture(scope="module")
def rule_ids() -> set[str]:
    return {rule.id for rule in load_kb(bundled_kb_dir()).rules}


def _split_digest(items: list, split: str) -> str:
    """A digest of one split that ignores file order but changes with any edit of its items."""
    lines = sorted(
        "\t".join((i.query, i.kind, ",".join(i.accepted), i.url)) for i in items if i.split == split
    )
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def test_the_test_split_is_frozen(items):
    digest = _split_digest(items, "test")
    assert digest == FROZEN_TEST_SHA256, (
        "the test split is frozen; change it only in a separate commit that says why "
        f"(and set FROZEN_TEST_SHA256 = {digest!r} in that commit)"
    )


def test_the_digest_sees_any_edit_of_a_test_item_but_not_new_dev_items(items):
    test_item = next(i for i in items if i.split == "test")
    before = _split_digest(items, "test")
    for edit in ({"query": test_item.query + "!"}, {"accepted": ("ss/finance/4",)}, {"split": "dev"}):
        edited = [replace(i, **edit) if i is test_item else i for i in items]
        assert _split_digest(edited, "test") != before, edit
    new_dev = replace(test_item, query=test_item.query + " (dev)", split="dev")
    assert _split_digest([*items, new_dev], "test") == before


def test_sizes_per_kind_and_split(items):
    counts = Counter((i.kind, i.split) for i in items)
    assert counts[("real", "dev")] + counts[("real", "test")] >= 60, counts
    customer = sum(n for (kind, _), n in counts.items() if kind != "real")
    assert customer >= 120, counts
    for kind in customer_eval.KINDS:
        dev, test = counts[(kind, "dev")], counts[(kind, "test")]
        assert dev and test and abs(dev - test) <= 1, (kind, dev, test)


def test_kinds_splits_and_urls_are_valid(items):
    for item in items:
        assert item.kind in customer_eval.KINDS, item
        assert item.split in customer_eval.SPLITS, item
        assert item.query and item.query == item.query.strip(), item
        if item.kind == "real":
            assert URL.match(item.url), item
        else:
            assert item.url == "", item


def test_no_duplicate_queries(items):
    counts = Counter(" ".join(i.query.lower().split()) for i in items)
    assert [q for q, n in counts.items() if n > 1] == []


def test_every_accepted_id_exists_in_the_bundled_kb(items, rule_ids):
    unknown = {(i.query, rid) for i in items for rid in i.accepted if rid not in rule_ids}
    assert unknown == set()
    assert all(len(set(i.accepted)) == len(i.accepted) for i in items)


def test_every_rule_is_covered(items, rule_ids):
    covered = {rid for i in items for rid in i.accepted}
    assert rule_ids - covered == set()
    paraphrased = {rid for i in items if i.kind != "real" for rid in i.accepted}
    assert rule_ids - paraphrased == set()


def test_parse_line_accepts_a_stripped_trailing_tab_and_rejects_short_rows():
    item = customer_eval.parse_line("dev\tcustomer\tss/finance/3, ss/finance/14\tроуминг")
    assert item == customer_eval.EvalItem("роуминг", "customer", ("ss/finance/3", "ss/finance/14"), "dev")
    with pytest.raises(ValueError):
        customer_eval.parse_line("dev\tcustomer\tроуминг")


def test_select_splits(items):
    dev, test = customer_eval.select(items, "dev"), customer_eval.select(items, "test")
    assert len(dev) + len(test) == len(items) == len(customer_eval.select(items, "all"))
    with pytest.raises(ValueError):
        customer_eval.select(items, "train")
