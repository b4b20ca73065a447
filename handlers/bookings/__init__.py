"""Bookings (issue 18): a time with the business for a service — an order of kind
"booking" seen, changed and paid for through the chat and its own web page."""
