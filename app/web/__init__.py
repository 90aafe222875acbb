"""The shared web layer: what more than one blueprint needs to answer a request or write an e-mail.

``cohort_text`` (cohort display texts and their template filters), ``cohort_mail`` (cohort e-mails),
``notifications`` (e-mails sent only after the change they announce is committed). Modules here may use
Flask and services; services and models never import them.
"""
