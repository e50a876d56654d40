"""Data shipped with kb-browser: the bundled knowledge base, its source text, icons, styles."""
