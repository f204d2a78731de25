"""Version 1 of the mla-exchange wire protocol: envelope, receipt, directory, HTTP signature profile."""
