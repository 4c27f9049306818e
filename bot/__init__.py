"""ae-bot core: settings, database, services, renderers, the Slack app factory and the CLI."""
