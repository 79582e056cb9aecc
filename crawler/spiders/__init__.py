"""The katdir spiders: `clinic_site` (clinic websites, with their sitemaps), `sitemap` (sites
read from their sitemaps only) and `directory` (YAML-profiled directories)."""
