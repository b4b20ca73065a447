"""The staff's commands in the chat: open orders, status changes, payments and refunds
typed in words, and the staff's order view."""
