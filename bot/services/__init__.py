"""Domain services: one function per use case, one transaction each. They never import Slack."""
