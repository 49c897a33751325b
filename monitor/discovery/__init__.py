"""Discovery: what a found device is (kinds), where it hangs (topology) and what that would
change in what is stored (proposal). All three are PURE; the crawl is collectors.discovery."""
