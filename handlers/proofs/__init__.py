"""Payment proofs: a screenshot in, the staff's approve / reject, the amount read off
it confirmed by the customer (claims), bank statements matched to orders, and links
to the stored files."""
