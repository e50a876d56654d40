"""The one error the importer raises."""

from __future__ import annotations


class ProcedureImportError(ValueError):
    """The source could not be read or holds nothing that looks like a procedure article."""
