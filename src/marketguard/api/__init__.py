"""HTTP plumbing shared by every domain router: problems, pagination, idempotency."""
