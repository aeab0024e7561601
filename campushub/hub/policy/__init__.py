"""Group resource policies: what each user may choose when starting a server
(resolve), and checking a request against it (choose)."""
