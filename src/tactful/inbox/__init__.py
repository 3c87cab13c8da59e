"""The agent-facing web UI: the inbox, saved views, the ticket page, team load."""
