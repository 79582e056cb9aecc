"""The indexer: crawled listings into clinics in the store (normalize, merge, geocode, curate)."""

# Crawls in a row without a clinic's listing before it is queued as gone (`katdir index
# --gone-after`). Here, not in the pipeline, so that the command line can show it cheaply.
GONE_AFTER = 3
