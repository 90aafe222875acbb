"""The shared web layer: what more than one blueprint needs to answer a request or write an e-mail.

``cohort_text`` (cohort display texts and their template filters), ``cohort_mail`` (cohort e-mails),
``notifications`` (e-mails sent only after the change they announce is committed), ``pdf`` (PDF answers,
their failure pages and serving a certificate's PDF), ``downloads`` (every file sent as a download),
``revoking``, ``invitations`` (a coordinator invited by an admin or a colleague), ``joining`` (join-code
rate limit), ``local_support`` (the town's support box), ``pagecache`` (kept lesson pages), and others.
Blueprints never import each other (tests/test_layout.py): what two of them share lives here. Modules
here may use Flask and services; services and models never import them.
"""
