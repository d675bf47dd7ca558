"""sources stage of the betrokken pipeline."""
