"""Mission Control: a self-hosted, real-time control room for a squad of AI agents."""
