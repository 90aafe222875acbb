"""The domain: plain functions with explicit arguments (a session, the objects, the settings).

One package per domain; each package's ``__init__`` says what it owns and what it must not import:

- ``accounts/``       users, logins, pupils, account administration, personal data, audit-log search
- ``organisations/``  organisations and the municipality reference data
- ``content/``        course bundles: check, render, import and publish
- ``learning/``       enrolment, lesson progress, quiz and survey, completion
- ``certificates/``   certificate PDFs, issuing, bulk runs and other PDF documents
- ``cohorts/``        cohorts (開催回): participants, imports, reports, calendar, slides
- ``statistics/``     national and area statistics, small-cell suppression, open data
- ``infra/``          plumbing every domain may use: audit log, mail, cache, upsert, exports,
                      memory release, backups; it imports no domain
- ``demo``            the demo organisation and accounts (the one module that touches every domain)

Services never import Flask's request globals, a blueprint, ``app.web`` or ``app.commands``; a domain
imports another only through its public (not underscored) names, and the domains form no cycle.
``tests/test_layout.py`` checks all of this.
"""
