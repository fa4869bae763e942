"""Name lists printed after a prefix such as `Kunnat:`."""
