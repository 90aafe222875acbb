"""Plumbing every domain may use: the audit log (``audit``), e-mail (``mail``), the shared cache
(``cache``), portable insert-or-ignore (``upsert``), CSV/XLSX downloads (``exports``), memory release
after PDF responses (``memory``) and SQLite backups (``backup``).

Must not import any domain package (accounts, content, learning, ...): they all import infra.
``memory`` is the one service module allowed to import Flask (it hooks into responses).
"""
