"""Cohorts (開催回): sessions, participants and attendance (``cohorts``), participant imports from
CSV/XLSX (``participant_import``), the 実施報告 and progress reports (``cohort_reports``), calendar
files (``calendar``) and the slides for live sessions (``slides``).

May import ``infra``, ``accounts``, ``content``, ``learning`` and ``certificates``. The e-mails and
display texts about cohorts need Flask's templates and Babel, so they live in ``app/web/``
(``cohort_mail``, ``cohort_text``).
"""
