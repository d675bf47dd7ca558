"""reports stage of the betrokken pipeline."""
