"""Small text utilities shared by the stages: tokens, stop words, capitalised names."""
