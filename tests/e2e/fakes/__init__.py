"""Local fake servers the real clients talk to on 127.0.0.1: Discord's gateway and
REST API, Slack's Web API and Socket Mode, an alert endpoint, a webhook receiver."""
