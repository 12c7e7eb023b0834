"""The portal: server-rendered pages for people, in the same app as the API (FORMATS §9)."""
