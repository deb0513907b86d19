"""The Discord adapter, split by responsibility; ``app`` is its entry point.

- ``client``: the discord.py client (intents, endpoints, shards) and fatal errors in words.
- ``guilds``: per-guild settings (config file + ``/watchkeeper setup``), roles to age bands,
  who is a moderator.
- ``translate``: a Discord message to ``bot.models.Message`` (cheap, no API calls).
- ``render``: how a case looks (embed, persistent buttons), and the buttons themselves.
- ``sink``: the outbox's ``AlertSink`` for Discord, and the one-time permission reports.
- ``commands``: ``/watchkeeper ...`` and the "Report to moderators" message command.
- ``reports``: direct messages to the bot become reports for the moderators.
- ``adapter``: wires the above to a ``Runtime`` and handles events and button presses.
- ``health``: ``watchkeeper check`` for Discord.
"""
