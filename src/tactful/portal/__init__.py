"""The customers' portal: a password-free login by e-mail, their tickets, the thread, a reply."""
