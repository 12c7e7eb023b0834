"""Backups of the whole database as one file, verified by restoring them, and restores.

``archive`` holds the one-file format and its signed manifest, ``encryption`` the
age layer, ``sqlite`` and ``postgres`` how each kind of database is copied and put
back, ``inventory`` what a database holds (tables, rows, schema revision, audit
head), ``checks`` how a restored copy is compared with its manifest, ``service``
the three operations and ``commands`` the ``marketguard backup`` command.
"""
