"""The Discord face: a thin shell over the engine. A cog parses, calls the engine or a service,
formats, and replies.

Inside, lowest first: ``replies``, ``cooldown`` and ``format`` (no client); ``client`` (the
``commands.Bot`` with the engine and services, no cog); ``checks`` and ``views``; ``cogs``
(one per feature); ``app`` (assembles the client with its features and starts it). A module
imports only modules before it in that list, so cogs never import the client's assembler.

May import ``bot.answering``, ``bot.services``, ``bot.settings``, ``index`` and ``ingest``;
never ``bot.terminal``, ``bot.evals`` or ``bench``. The only package that imports discord.
"""
