"""Tickets, their messages, attachments, tags and the event timeline."""
