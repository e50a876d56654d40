"""A Whoosh merge policy for small incremental updates: tiers of segments merged a few at a time.

Whoosh's default policy (``MERGE_SMALL``) lets one-article segments pile up and then merges them all
in one commit; merging costs about one pass over each merged segment's terms, so that commit is
slow. Here segments are grouped by size tier (a factor of ``FANOUT`` apart, from ``BASE`` documents
up); a tier that holds ``FANOUT`` segments is merged into one of the next tier. An update then
merges at most a few small segments, and the index keeps a few segments per tier.
"""

from __future__ import annotations

import math

from whoosh.reading import SegmentReader

FANOUT = 4
BASE = 64  # documents: one article gives about 50
MAX_MERGED_DOCS = 20_000  # never rewrite the big segments of a full build on an update


def tier(doc_count: int) -> int:
    return 0 if doc_count <= BASE else int(math.log(doc_count / BASE, FANOUT)) + 1


def merge_tiers(writer, segments: list) -> list:
    """Merge policy (Whoosh calls it on commit): merge each full tier of small segments."""
    by_tier: dict[int, list] = {}
    for seg in segments:
        count = seg.doc_count_all()
        if count <= MAX_MERGED_DOCS:
            by_tier.setdefault(tier(count), []).append(seg)
    merged = set()
    for segs in by_tier.values():
        if len(segs) >= FANOUT:
            for seg in segs:
                reader = SegmentReader(writer.storage, writer.schema, seg)
                writer.add_reader(reader)
                reader.close()
                merged.add(id(seg))
    return [seg for seg in segments if id(seg) not in merged]
