"""The desk's one door to ``tactful.coach``: analyse customer messages, keep what it found."""
