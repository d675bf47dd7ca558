"""web stage of the betrokken pipeline."""
