"""viz — what people look at: the Laban staff and the dancer."""
