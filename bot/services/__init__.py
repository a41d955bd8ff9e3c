"""What a chat face offers above the engine: per-server settings (comment mode), paged search,
timelines and their charts, feedback on answers, and re-indexing from a command.

May import ``bot.answering``, ``bot.settings``, ``index`` and ``ingest``; never a face
(``bot.discord``, ``bot.terminal``), discord or ``bench``: the services are tested without
Discord, and a future face reuses them.
"""
