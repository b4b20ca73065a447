"""The customer's orders in the chat and on the web page: looking an order up, its view,
its page, paying (UPI link, QR, pay-now), adjustments, and the order's notices."""
