"""Reminders and digests (occurrence rules, tick, APScheduler runner) arrive with the reminders issue."""
