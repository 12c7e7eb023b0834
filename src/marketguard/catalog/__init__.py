"""The marketplace being protected: sellers, listings, orders."""
