"""The terminal face: the ``archivist`` command line, the console chat on the same engine,
plain-text rendering and ingest progress bars.

May import ``bot.answering``, ``bot.services``, ``bot.evals``, ``bot.settings``, ``index`` and
``ingest``; imports ``bot.discord`` only lazily, inside ``archivist run`` and
``sync-commands``, so that the command line starts without discord.py; never ``bench``
(``archivist bench`` runs ``python -m bench`` as a process of its own).
"""
