"""laban — Labanotation: motion capture to score (tokenize), score to motion (decode)."""
