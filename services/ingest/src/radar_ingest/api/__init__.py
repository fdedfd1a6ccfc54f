"""The HTTP side: routes per resource, response models, OpenAPI descriptions, error answers."""
