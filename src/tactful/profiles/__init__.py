"""The customer page: every ticket, identity, answer and feeling of one person; merging two."""
