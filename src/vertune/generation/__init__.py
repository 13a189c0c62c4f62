"""Text generation with causal LMs: the engine shared by the generation task, predict, chat and serving."""
