"""Channel adapters and wiring: the Flask app, the platforms, the terminal, the CLI."""
