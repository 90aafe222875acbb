"""Local platforms (官民連携プラットフォーム): platforms, their member organisations and invitations
(``members``), the platform dashboard and 活動報告 (``dashboard``), and the public session finder with
its feeds (``finder``).

May import ``infra``, ``organisations``, ``statistics`` and ``certificates`` only: the support directory
reads who is a member, and learning imports the directory, so this package stays below cohorts and
learning. Imported by ``directory`` and ``demo``.
"""
