"""Word families for search, one text file per language (see :mod:`tactful.tickets.search`)."""
