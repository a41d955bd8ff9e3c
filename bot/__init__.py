"""Answering and the faces people use it through.

Layers, lowest first; a layer imports only layers below it (and ``index``/``ingest``), never a
face beside it or ``bench``:

- ``bot.settings``: typed settings from the environment and ``.env``, read by every layer.
- ``bot.answering``: the engine and everything that composes an answer (quotes, abstention,
  dates in questions, the optional generator). No face, no discord.
- ``bot.services``: what a chat face offers above the engine: per-server settings, paged search,
  timelines, feedback, re-indexing from a command. No face, no discord.
- ``bot.evals``: the evaluations, which drive the engine as the product does.
- Faces: ``bot.discord`` (the discord.py client, cogs, views, embed formatting) and
  ``bot.terminal`` (the CLI, the console chat, plain-text rendering, progress bars). The two
  never import each other, except that the CLI starts the Discord face lazily for ``run``.

``tests/test_architecture.py`` checks these rules and that there is no import cycle.
"""
