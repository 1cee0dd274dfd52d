"""REST routes: they parse, delegate to `models`, and shape the answer."""
