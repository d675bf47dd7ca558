"""areas stage of the betrokken pipeline."""
