"""kb: the case-study knowledge base (データバンク) of Japan's SME cooperative federation."""

__version__ = "0.1.0"
