"""Statistics of supporters: national and area counts (``statistics``), their tables
(``statistics_tables``), small-cell suppression (``suppression``) and open data (``opendata``).

May import ``infra`` and ``certificates``; must not import learning (completions reach statistics
through the hook ``create_app`` connects).
"""
