"""The Microsoft Teams connector: `/api/messages` (front.py) and its messaging port (port.py)."""
