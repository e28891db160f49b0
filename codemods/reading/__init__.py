"""Reading code: metadata, clients, URLs, credentials, names, the index model, evidence, the detector."""
