"""Statistics of supporters: national and area counts (``statistics``), their tables
(``statistics_tables``), small-cell suppression (``suppression``) and open data (``opendata``).

May import ``infra`` and ``certificates``; must not import learning (learning calls
``statistics.record_completion`` when an enrolment is completed).
"""
