"""Statistics blocks: titled pages, ruled tables, blocks continued overleaf, and the numbers no figure claims."""
