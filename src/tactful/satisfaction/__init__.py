"""Customer satisfaction: surveys after a solve, anonymised feedback, monthly reports, the feed."""
