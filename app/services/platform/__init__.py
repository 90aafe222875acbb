"""Local platforms (官民連携プラットフォーム): platforms, their member organisations and invitations
(``members``), the platform dashboard and 活動報告 (``dashboard``), and the public session finder with
its feeds (``finder``).

May import ``infra``, ``organisations``, ``cohorts``, ``statistics``, ``certificates`` and ``learning``;
nothing imports this package except ``demo`` (and the support directory, which reads who is a member).
"""
