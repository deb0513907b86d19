"""The Slack adapter, split by responsibility; ``app`` is its entry point.

- ``translate``: Slack message events to ``bot.models.Message`` (cheap, no API calls).
- ``people``: who is a moderator, who is a minor or an adult (cached user groups).
- ``blocks``: how a case looks in Block Kit.
- ``sink``: the outbox's ``AlertSink`` for Slack (post, update, digest; idempotent).
- ``listeners``: bolt listeners for messages, buttons and ``/watchkeeper``.
- ``health``: ``watchkeeper check`` for Slack (tokens, scopes, moderator channel).
"""
