"""Reading the file: checks, limits on its cost, plain text of every page, words of the pages that need them."""
