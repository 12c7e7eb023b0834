"""Restrictions (takedowns, suspensions, store closures), strikes and statements of reasons."""
