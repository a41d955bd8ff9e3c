"""One cog per feature: each slash command (or the conversation in threads) with its options,
checks and replies. Cogs import ``bot.discord.client`` for the bot's type, never ``app``."""
