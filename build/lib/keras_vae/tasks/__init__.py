"""What VAEs are used for beyond sampling: anomaly detection, representations, uncertainty, traversals."""
