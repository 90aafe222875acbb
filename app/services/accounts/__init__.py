"""Accounts: users and logins (``accounts``), pupils and their class logins (``pupils``), account
administration by admins (``user_admin``), personal data, erasure and retention (``privacy``), and the
admin's search of the audit log by person (``audit_search``), and a class's roster with its pupils'
progress and names (``class_roster``).

May import ``infra``, ``learning`` (the my-data export lists enrolments and quiz attempts) and
``certificates`` (a pupil's name set by the teacher reaches a certificate not yet printed, or
reissues one printed with the class's default name); must not import cohorts or statistics.
"""
