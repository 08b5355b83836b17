"""Self-service engine: text features, embeddings, calibrated classifier, evaluation."""
