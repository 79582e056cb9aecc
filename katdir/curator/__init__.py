"""The curators' side of the core: accounts, decisions and their audit, public requests,
crawl sources, red flags and backups — pure logic over the store, shared by the API, the
pages and the CLI (none of which it imports)."""
