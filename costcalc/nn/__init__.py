"""Real torch modules built from costcalc's layer descriptions (imports torch)."""
