"""Reports: room-ready documents of any plan (HTML and PDF from templates), and safe exports.

>>> from matchmaking.reports import write_report, Report
"""

from matchmaking.model.io import safe_frame, spreadsheet_safe, write_table
from matchmaking.reports.build import parse_formats, plan_documents, report_paths, write_report
from matchmaking.reports.html import Report
from matchmaking.reports.render import Document, pdf_bytes, render_documents

__all__ = [
    "Document",
    "Report",
    "parse_formats",
    "pdf_bytes",
    "plan_documents",
    "render_documents",
    "report_paths",
    "safe_frame",
    "spreadsheet_safe",
    "write_report",
    "write_table",
]
