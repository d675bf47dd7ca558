"""survey stage of the betrokken pipeline."""
