"""Payment links through a gateway: Razorpay's client (razorpay.py) and its webhook
(razorpay_web.py)."""
