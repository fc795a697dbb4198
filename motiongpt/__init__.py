"""motiongpt — a language model that speaks Labanotation."""
