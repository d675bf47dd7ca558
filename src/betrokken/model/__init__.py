"""model stage of the betrokken pipeline."""
