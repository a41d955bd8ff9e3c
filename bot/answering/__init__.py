"""The answering engine: retrieval through ``index``, the extractive composer that picks
verbatim quotes, abstention, dates read from questions, and the optional generator.

May import ``bot.settings``, ``index`` and ``ingest``'s plain data helpers; never a face
(``bot.discord``, ``bot.terminal``), ``bot.services``, ``bot.evals``, discord or ``bench``.
"""
