"""Search over the knowledge base: Russian analysis, query understanding, a Whoosh index in the cache."""

from index import safe_pickle
from index.highlight import match_spans, snippet
from index.knowledge_index import KnowledgeIndex
from index.output import format_hits, search_json
from index.results import Hit, SearchResult, UpdateReport
from index.store import default_index_dir

safe_pickle.install()  # every pickle Whoosh reads from the index folder: allow-listed globals only

__all__ = [
    "Hit",
    "KnowledgeIndex",
    "SearchResult",
    "UpdateReport",
    "default_index_dir",
    "format_hits",
    "match_spans",
    "search_json",
    "snippet",
]
