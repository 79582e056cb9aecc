"""The crawler's SSRF rules live in the core (katdir.netguard), so that the API can check the
URLs curators submit with the very same rules; re-exported here for the crawler."""

from katdir.netguard import (  # noqa: F401
    FETCHABLE_SCHEMES,
    LOCAL_SCHEMES,
    ip_literal,
    is_public_address,
    url_block_reason,
)
