"""Content fingerprints shared by publishing (``kb/manifest``) and change tracking (``kb/changes``).

A rule's fingerprint covers what an agent reads: its Markdown body as written, with runs of
white space folded (re-wrapping a line is not a change). Customer phrasings are editors' search
aids, not procedure text, so they are left out: adding one does not mark the rule "changed".
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from kb.model import Rule

_SPACE_RE = re.compile(r"\s+")


def rule_fingerprint(rule: Rule) -> str:
    """16 hex digits that change when the rule's text changes (not its phrasings or line number)."""
    body = _SPACE_RE.sub(" ", rule.markdown).strip()
    return hashlib.sha1(body.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def file_fingerprint(path: Path) -> str:
    """sha256 of a file's bytes, hex."""
    h = hashlib.sha256()
    with Path(path).open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()
