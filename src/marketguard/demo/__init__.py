"""``marketguard demo``: the main job on the embedded profile, end to end."""
