"""Data leaving the platform: capped, traceable exports and encrypted vendor hand-overs."""
