"""Words to lines, lines to regions (one per title), and the page furniture around them."""
