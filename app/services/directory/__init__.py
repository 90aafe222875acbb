"""つなぐ先: each municipality's directory of local places to turn to (``entries``), who may keep it
and who may propose to it (``access``), the national lines a course bundle prints beside it
(``national``), and its open data (``opendata``).

May import ``infra``, ``organisations``, ``content`` and ``platform`` (to read who is a member of
the municipality's platform); nothing imports this package except ``demo``.
"""
