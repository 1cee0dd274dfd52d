"""Storage-test fixtures (defined in tests/integration/storage_fixtures.py)."""

from tests.integration.storage_fixtures import (  # noqa: F401
    database,
    db_url,
    keyring,
    pg_template,
)
