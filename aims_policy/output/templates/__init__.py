"""The audit report's Jinja2 template and style sheet (package data)."""
