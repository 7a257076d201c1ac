"""Loopback fake of the Anthropic and OpenAI streaming APIs (placeholder; being written)."""
