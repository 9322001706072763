"""Reports: HTML (escaped) and spreadsheet-safe exports."""

from matchmaking.model.io import safe_frame, spreadsheet_safe, write_table
from matchmaking.reports.html import Report

__all__ = ["Report", "safe_frame", "spreadsheet_safe", "write_table"]
