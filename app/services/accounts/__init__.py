"""Accounts: users and logins (``accounts``), pupils and their class logins (``pupils``), account
administration by admins (``user_admin``), personal data, erasure and retention (``privacy``), and the
admin's search of the audit log by person (``audit_search``).

May import ``infra`` and ``learning`` (the my-data export lists enrolments and quiz attempts); must
not import cohorts, certificates or statistics.
"""
