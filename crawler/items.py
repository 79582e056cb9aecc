"""What the spiders yield: plain dicts in the shape of ``katdir.model.Listing``.

Scrapy treats dicts as first-class items (through itemadapter), and the shared pydantic
``Listing`` model is already the schema of a crawled listing, so a ``scrapy.Item`` would
only be a second copy of it to keep in step. The spiders build Listing-shaped dicts (with
``crawler.listing.merge_site_pages``), and ``ValidateListingPipeline`` is the one place
that checks them against the model and turns them into its canonical JSON form
(``Listing.model_dump(mode="json")``): what the feed writes and the indexer reads.
"""

from __future__ import annotations

from katdir.model import Listing

# The feed's fields, in the model's order.
LISTING_FIELDS: tuple[str, ...] = tuple(Listing.model_fields)
