"""Text preprocessing: TextVectorization."""
