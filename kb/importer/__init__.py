"""Turn a raw procedure page (text or HTML) into Markdown articles.

plan = plan_import(Path("procedure.txt"))      # or import_text(text, "procedure.txt")
report = write_import(plan, kb_dir, dry_run=False, force=False)
"""

from kb.importer.errors import ProcedureImportError
from kb.importer.pipeline import STEPS, ImportPlan, import_text, plan_import
from kb.importer.writer import ImportReport, write_import

__all__ = [
    "STEPS",
    "ImportPlan",
    "ImportReport",
    "ProcedureImportError",
    "import_text",
    "plan_import",
    "write_import",
]
