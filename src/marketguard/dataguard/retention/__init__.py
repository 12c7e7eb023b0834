"""Data lifecycle: how long personal data is kept, what a person may ask for, and the
privacy notice that says both.

* ``policy`` declares each personal field's retention period (or why it is kept);
* ``sweep`` and ``risk_state`` delete or anonymise what is past its period;
* ``subjects`` answers a seller's access and erasure requests;
* ``privacy`` writes the public privacy notice from the catalog.
"""
