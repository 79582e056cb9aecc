"""The indexer: crawled listings into clinics in the store (normalize, merge, geocode, curate)."""
