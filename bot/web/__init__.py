"""What a browser sees: the order's page and the pay page (pages.py), proof files at
signed links (media.py), QR images (images.py) and the security headers (hardening.py)."""
