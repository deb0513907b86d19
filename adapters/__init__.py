"""Platform adapters: each turns platform events into ``bot.models`` objects and back."""
