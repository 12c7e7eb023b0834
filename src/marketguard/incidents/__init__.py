"""Emergency management: incidents ranked by the damage their scope could do (FORMATS §8)."""
