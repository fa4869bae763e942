"""Pages printed as pictures: Tesseract's words in the same form as a text layer's."""
